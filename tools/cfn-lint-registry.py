"""cfn-lint 1.58.0 with registry schemas that are validated, not merely known.

`cfn-lint --registry-schemas DIR` loads the schemas so a registry type no longer fails E3006, but the
property and attribute rules (E3002/E3003/E3012/E3031..., E6101/GetAtt) never see them: they ask
`ProviderSchemaManager.get_resource_schemas_by_regions`, which only walks the per-region list of
built-in types (`_load_provider_module`). This wrapper adds every loaded registry type to that list;
`get_resource_schema` already returns the registry schema for such a type. Everything else is plain
cfn-lint: same arguments, same output, same exit codes.

Usage: python tools/cfn-lint-registry.py --registry-schemas schema/ -- TEMPLATE...
       python tools/cfn-lint-registry.py --self-test
           proves the patch still works on the installed cfn-lint: a broken Acme::Origin::Lock is
           reported (E3002 E3003 E3031 E6101), a correct one passes, and the wrapper refuses to run
           when the internals it patches are gone.
"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile

from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER as manager

PATCHED = ("_load_provider_module", "_registry_schemas")
MISSING_MESSAGE = "cfn-lint-registry: this cfn-lint has no {}; update the wrapper"

missing = [name for name in PATCHED if not hasattr(manager, name)]
if missing:
    sys.exit(MISSING_MESSAGE.format("/".join(missing)))

_load_provider_module = manager._load_provider_module
calls = 0


def _with_registry_types(region):
    global calls
    calls += 1
    types = _load_provider_module(region)
    for type_name in manager._registry_schemas:
        types.setdefault(type_name, f"registry:{type_name}")
    return types


manager._load_provider_module = _with_registry_types

from cfnlint.runner import main  # noqa: E402  (after the patch, as the runner imports the rules)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GOOD = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Lock:
    Type: Acme::Origin::Lock
    Properties:
      ListenerArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef
      DistributionId: E2QWRUHAPOMQZL
      SecretArn: arn:aws:secretsmanager:us-east-1:123456789012:secret:origin-verify-AbCdEf
      Enforce:
        DenyDefault: false
        ListenerRules: false
Outputs:
  Rule:
    Value: !GetAtt Lock.ForwardRuleArn
"""

# One mistake per rule the patch must bring to registry types.
BAD = {
    "E3002": "Colour: blue",  # not a property of the type
    "E3003": "(DistributionId and SecretArn missing)",  # required properties
    "E3031": "ListenerArn: not-an-arn",  # pattern
    "E6101": "!GetAtt Lock.NoSuchAttribute",  # unknown attribute
}
BAD_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Lock:
    Type: Acme::Origin::Lock
    Properties:
      ListenerArn: not-an-arn
      Colour: blue
Outputs:
  Rule:
    Value: !GetAtt Lock.NoSuchAttribute
"""


def lint(*args):
    """Runs cfn-lint in this process (so `calls` counts the patch's use): (exit code, output)."""
    global calls
    calls = 0
    out = io.StringIO()
    argv, sys.argv = sys.argv, ["cfn-lint", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue()


def self_test():
    schemas = os.path.join(ROOT, "schema")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, text in (("good", GOOD), ("bad", BAD_TEMPLATE)):
            paths[name] = os.path.join(tmp, f"{name}.yaml")
            with open(paths[name], "w", encoding="utf-8") as fh:
                fh.write(text)

        code, out = lint("--registry-schemas", schemas, "--", paths["bad"])
        if calls == 0:
            failures.append("cfn-lint no longer calls _load_provider_module: the patch has no effect")
        reported = {line.split(" ", 1)[0] for line in out.splitlines()}
        for rule, mistake in BAD.items():
            if rule not in reported:
                failures.append(f"bad template: {rule} not reported for {mistake}")
        if code == 0:
            failures.append("bad template: exit status 0")

        code, good_out = lint("--registry-schemas", schemas, "--", paths["good"])
        if code != 0 or good_out.strip():
            failures.append(f"good template: exit status {code}, output:\n{good_out}")

        # The wrapper itself, on a cfn-lint whose manager lost a patched method: it must refuse loudly.
        probe = (
            "import runpy, sys\n"
            "from cfnlint.schema.manager import ProviderSchemaManager\n"
            "del ProviderSchemaManager._load_provider_module\n"
            "sys.argv = [sys.argv[1], '--registry-schemas', sys.argv[2], '--', sys.argv[3]]\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n"
        )
        gone = subprocess.run(
            [sys.executable, "-c", probe, os.path.abspath(__file__), schemas, paths["bad"]],
            capture_output=True,
            text=True,
            check=False,
        )
        expected = MISSING_MESSAGE.format("_load_provider_module")
        if gone.returncode == 0 or expected not in gone.stderr:
            failures.append(
                f"without _load_provider_module: exit {gone.returncode}, stderr {gone.stderr!r} "
                f"(expected a failure saying {expected!r})"
            )

    if failures:
        print(out)
        for failure in failures:
            print(f"cfn-lint-registry self-test: FAILED: {failure}")
        return 1
    print(
        f"cfn-lint-registry self-test: a broken Acme::Origin::Lock is reported ({' '.join(BAD)}), "
        "a correct one passes, and missing cfn-lint internals stop the wrapper"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(main())
