"""moto_server with AWS's own numbers and lookups where moto differs.

moto 5.2 refuses an 11th tag on an ELBv2 resource (Classic ELB's limit); Application Load Balancers,
listeners and rules take 50 (Elastic Load Balancing quotas). The lock keeps its record in tags, so the
bench needs AWS's number: anything stricter than AWS is enforced by the emulator proxy instead.

moto 5.2 ignores DescribeStackResources' PhysicalResourceId (it answers "Stack with id None does not
exist"); AWS returns the resources of the stack that holds a resource with that physical id, or
ValidationError "Stack for <id> does not exist". The guardian asks exactly that before it heals a lock.

Usage: moto-server.py [moto_server arguments]
"""

import sys

from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import ActionResult
from moto.elbv2 import models as elbv2_models
from moto.elbv2.exceptions import TooManyTagsError
from moto.server import main

ELB_TAGS_PER_RESOURCE = 50


def add_tags(self, resource_arns, tags):
    wanted = self.tagging_service.flatten_tag_list(tags)
    for arn in resource_arns:
        existing = self.tagging_service.get_tag_dict_for_resource(arn)
        if len(set(existing) | set(wanted)) > ELB_TAGS_PER_RESOURCE:
            raise TooManyTagsError()
        self._get_resource_by_arn(arn)
        self.tagging_service.tag_resource(arn, tags)


elbv2_models.ELBv2Backend.add_tags = add_tags

describe_stack_resources_by_name = cfn_responses.CloudFormationResponse.describe_stack_resources


def describe_stack_resources(self):
    physical_id = self._get_param("PhysicalResourceId")
    if self._get_param("StackName") or not physical_id:
        return describe_stack_resources_by_name(self)
    backend = self.cloudformation_backend
    # Live stacks first, then deleted ones (AWS keeps them for 90 days).
    for stack in [*backend.stacks.values(), *backend.deleted_stacks.values()]:
        resources = list(stack.stack_resources)
        if any(getattr(r, "physical_resource_id", None) == physical_id for r in resources):
            logical_id = self._get_param("LogicalResourceId")
            if logical_id is not None:
                resources = [r for r in resources if getattr(r, "logical_resource_id", None) == logical_id]
            return ActionResult(
                {"StackResources": [cfn_responses.StackResourceDTO(stack, r) for r in resources]}
            )
    raise ValidationError(message=f"Stack for {physical_id} does not exist")


cfn_responses.CloudFormationResponse.describe_stack_resources = describe_stack_resources

if __name__ == "__main__":
    sys.exit(main())
