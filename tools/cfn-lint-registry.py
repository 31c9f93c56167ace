"""cfn-lint 1.58.0 with registry schemas that are validated, not merely known.

`cfn-lint --registry-schemas DIR` loads the schemas so a registry type no longer fails E3006, but the
property and attribute rules (E3002/E3003/E3012/E3031..., E6101/GetAtt) never see them: they ask
`ProviderSchemaManager.get_resource_schemas_by_regions`, which only walks the per-region list of
built-in types (`_load_provider_module`). This wrapper adds every loaded registry type to that list;
`get_resource_schema` already returns the registry schema for such a type. Everything else is plain
cfn-lint: same arguments, same output, same exit codes.

Usage: python tools/cfn-lint-registry.py --registry-schemas schema/ -- TEMPLATE...
"""

import sys

from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER as manager

if not hasattr(manager, "_load_provider_module") or not hasattr(manager, "_registry_schemas"):
    sys.exit("cfn-lint-registry: this cfn-lint has no _load_provider_module/_registry_schemas; update the wrapper")

_load_provider_module = manager._load_provider_module


def _with_registry_types(region):
    types = _load_provider_module(region)
    for type_name in manager._registry_schemas:
        types.setdefault(type_name, f"registry:{type_name}")
    return types


manager._load_provider_module = _with_registry_types

from cfnlint.runner import main  # noqa: E402  (after the patch, as the runner imports the rules)

if __name__ == "__main__":
    sys.exit(main())
