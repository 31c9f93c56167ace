# Acme Origin Lock - every entry point a user or CI needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CFN := $(VENV)/bin/cfn
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup deps build lint typecheck generate models-check validate cfn-lint jest contract test demo clean

## setup: deps, then dist/ so `npx --offline --no-install origin-lock` works (idempotent, quick when done)
setup: deps dist/.stamp

## deps: venv from requirements.txt and node_modules from package-lock.json
deps: $(VENV)/.stamp node_modules/.stamp

$(VENV)/.stamp: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Everything tsconfig.build.json compiles; a change to any of it rebuilds dist/.
BUILD_INPUTS := tsconfig.json tsconfig.build.json $(shell find src bench demo -name '*.ts' 2>/dev/null)

dist/.stamp: node_modules/.stamp $(BUILD_INPUTS)
	npx tsc -p tsconfig.build.json
	touch $@

## build: dist/ up to date with src/, bench/ and demo/
build: deps dist/.stamp

lint: deps
	npx eslint .
	npx prettier --check .

typecheck: deps
	bash tools/typecheck.sh

## generate: `cfn generate` without losing the guides in docs/ (the plugin wipes that folder)
generate: deps
	bash tools/generate.sh

## models-check: src/models.ts must be exactly what `cfn generate` writes from the schema
models-check: deps
	bash tools/check-models.sh

validate: deps
	$(CFN) validate

cfn-lint: deps
	bash tools/cfn-lint-all.sh

jest: build
	npx jest

## contract: cfn test against moto + the local invoke server; one test: make contract ARGS='-- -k contract_create_read'
contract: build
	bash tools/contract.sh $(ARGS)

## test: the README's test command (CI runs exactly this)
test: deps
	bash tools/test-all.sh

demo: build
	node dist/demo/main.js

clean:
	rm -rf dist build coverage

.PHONY: bundle package bench-package contract-bundle cfn-lint-examples

## bundle: one esbuild bundle per Lambda entry -> build/bundle/<entry>/index.js
bundle: deps
	node tools/bundle.mjs

## package: the registration package as `cfn submit --dry-run` builds it (no SAM/Docker) -> acme-origin-lock.zip
package: deps
	bash tools/package.sh

## bench-package: package size and cold start, ours vs the plugin's default build -> docs/package.md
bench-package: deps
	node tools/measure-package.mjs $(ARGS)

## contract-bundle: the contract suite against the bundled handler (same args as `make contract`)
contract-bundle: build
	bash tools/contract-bundle.sh $(ARGS)

## cfn-lint-examples: cfn-lint (with the type schema) on templates/ and examples/
cfn-lint-examples: deps
	bash tools/cfn-lint-examples.sh

## bench: calls per operation, handler overhead and bundle cold starts on moto, one table (docs/package.md)
.PHONY: bench
bench: build
	node tools/bench.mjs

## bench-scan: `origin-lock scan` calls per operation and wall time, 50 and 200 distributions + ALBs (docs/scan.md)
.PHONY: bench-scan
bench-scan: build
	node tools/bench-scan.mjs $(ARGS)

.PHONY: guard
## guard: the Guard rules (guard/origin-lock.guard) over every template, and their pass/fail test templates
guard: setup
	bash tools/guard-check.sh --self-test
