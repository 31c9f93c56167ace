"""moto_server with AWS's own numbers where moto uses other ones.

moto 5.2 refuses an 11th tag on an ELBv2 resource (Classic ELB's limit); Application Load Balancers,
listeners and rules take 50 (Elastic Load Balancing quotas). The lock keeps its record in tags, so the
bench needs AWS's number: anything stricter than AWS is enforced by the emulator proxy instead.

Usage: moto-server.py [moto_server arguments]
"""

import sys

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

if __name__ == "__main__":
    sys.exit(main())
