# Acme Origin Lock - every entry point a user or CI needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CFN := $(VENV)/bin/cfn
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup build lint typecheck generate models-check validate cfn-lint jest contract test demo clean

## setup: venv from requirements.txt and node_modules from package-lock.json (idempotent, quick when done)
setup: $(VENV)/.stamp node_modules/.stamp

$(VENV)/.stamp: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: setup
	npx tsc -p tsconfig.build.json

lint: setup
	npx eslint .
	npx prettier --check .

typecheck: setup
	bash tools/typecheck.sh

## generate: `cfn generate` without losing the guides in docs/ (the plugin wipes that folder)
generate: setup
	bash tools/generate.sh

## models-check: src/models.ts must be exactly what `cfn generate` writes from the schema
models-check: setup
	bash tools/check-models.sh

validate: setup
	$(CFN) validate

cfn-lint: setup
	bash tools/cfn-lint-all.sh

jest: build
	npx jest

## contract: cfn test against moto + the local invoke server; one test: make contract ARGS='-- -k contract_create_read'
contract: build
	bash tools/contract.sh $(ARGS)

## test: the README's test command (CI runs exactly this)
test: setup
	bash tools/test-all.sh

demo: build
	node dist/demo/main.js

clean:
	rm -rf dist build coverage

.PHONY: bundle package bench-package contract-bundle cfn-lint-examples

## bundle: one esbuild bundle per Lambda entry -> build/bundle/<entry>/index.js
bundle: setup
	node tools/bundle.mjs

## package: the registration package as `cfn submit --dry-run` builds it (no SAM/Docker) -> acme-origin-lock.zip
package: setup
	bash tools/package.sh

## bench-package: package size and cold start, ours vs the plugin's default build -> docs/package.md
bench-package: setup
	node tools/measure-package.mjs $(ARGS)

## contract-bundle: the contract suite against the bundled handler (same args as `make contract`)
contract-bundle: build
	bash tools/contract-bundle.sh $(ARGS)

## cfn-lint-examples: cfn-lint (with the type schema) on templates/ and examples/
cfn-lint-examples: setup
	bash tools/cfn-lint-examples.sh
