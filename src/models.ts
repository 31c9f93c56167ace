// This is a generated file. Modifications will be overwritten.
import { BaseModel, Dict, integer, Integer, Optional, transformValue } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { Exclude, Expose, Type, Transform } from 'class-transformer';

export class ResourceModel extends BaseModel {
    ['constructor']: typeof ResourceModel;

    @Exclude()
    public static readonly TYPE_NAME: string = 'Acme::Origin::Lock';

    @Exclude()
    protected readonly IDENTIFIER_KEY_LISTENERARN: string = '/properties/ListenerArn';

    @Expose({ name: 'ListenerArn' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'listenerArn', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    listenerArn?: Optional<string>;
    @Expose({ name: 'DistributionId' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'distributionId', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    distributionId?: Optional<string>;
    @Expose({ name: 'SecretArn' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'secretArn', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    secretArn?: Optional<string>;
    @Expose({ name: 'SecretKey' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'secretKey', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    secretKey?: Optional<string>;
    @Expose({ name: 'HeaderName' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'headerName', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    headerName?: Optional<string>;
    @Expose({ name: 'OriginId' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'originId', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    originId?: Optional<string>;
    @Expose({ name: 'DenyResponse' })
    @Type(() => DenyResponse)
    denyResponse?: Optional<DenyResponse>;
    @Expose({ name: 'Enforce' })
    @Type(() => Enforce)
    enforce?: Optional<Enforce>;
    @Expose({ name: 'AllowedSources' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'allowedSources', value, obj, [Array]),
        {
            toClassOnly: true,
        }
    )
    allowedSources?: Optional<Array<string>>;
    @Expose({ name: 'DistributionRoleArn' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'distributionRoleArn', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    distributionRoleArn?: Optional<string>;
    @Expose({ name: 'DistributionRoleExternalId' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'distributionRoleExternalId', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    distributionRoleExternalId?: Optional<string>;
    @Expose({ name: 'LoadBalancerArn' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'loadBalancerArn', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    loadBalancerArn?: Optional<string>;
    @Expose({ name: 'ForwardRuleArn' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'forwardRuleArn', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    forwardRuleArn?: Optional<string>;
    @Expose({ name: 'SecurityGroupIds' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'securityGroupIds', value, obj, [Array]),
        {
            toClassOnly: true,
        }
    )
    securityGroupIds?: Optional<Array<string>>;
    @Expose({ name: 'DedicatedSecurityGroupId' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'dedicatedSecurityGroupId', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    dedicatedSecurityGroupId?: Optional<string>;
    @Expose({ name: 'PrefixListIds' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'prefixListIds', value, obj, [Array]),
        {
            toClassOnly: true,
        }
    )
    prefixListIds?: Optional<Array<string>>;
    @Expose({ name: 'GuardedRuleArns' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'guardedRuleArns', value, obj, [Array]),
        {
            toClassOnly: true,
        }
    )
    guardedRuleArns?: Optional<Array<string>>;
    @Expose({ name: 'OriginIds' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'originIds', value, obj, [Array]),
        {
            toClassOnly: true,
        }
    )
    originIds?: Optional<Array<string>>;

    @Exclude()
    public getPrimaryIdentifier(): Dict {
        const identifier: Dict = {};
        if (this.listenerArn != null) {
            identifier[this.IDENTIFIER_KEY_LISTENERARN] = this.listenerArn;
        }

        // only return the identifier if it can be used, i.e. if all components are present
        return Object.keys(identifier).length === 1 ? identifier : null;
    }

    @Exclude()
    public getAdditionalIdentifiers(): Array<Dict> {
        const identifiers: Array<Dict> = new Array<Dict>();
        // only return the identifiers if any can be used
        return identifiers.length === 0 ? null : identifiers;
    }
}

export class DenyResponse extends BaseModel {
    ['constructor']: typeof DenyResponse;


    @Expose({ name: 'StatusCode' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'statusCode', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    statusCode?: Optional<string>;
    @Expose({ name: 'ContentType' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'contentType', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    contentType?: Optional<string>;
    @Expose({ name: 'MessageBody' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(String, 'messageBody', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    messageBody?: Optional<string>;

}

export class Enforce extends BaseModel {
    ['constructor']: typeof Enforce;


    @Expose({ name: 'SecurityGroup' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'securityGroup', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    securityGroup?: Optional<boolean>;
    @Expose({ name: 'ListenerRules' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'listenerRules', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    listenerRules?: Optional<boolean>;
    @Expose({ name: 'DenyDefault' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'denyDefault', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    denyDefault?: Optional<boolean>;
    @Expose({ name: 'OriginHeader' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'originHeader', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    originHeader?: Optional<boolean>;
    @Expose({ name: 'HttpsOrigin' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'httpsOrigin', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    httpsOrigin?: Optional<boolean>;
    @Expose({ name: 'DedicatedSecurityGroup' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'dedicatedSecurityGroup', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    dedicatedSecurityGroup?: Optional<boolean>;
    @Expose({ name: 'SharedSecurityGroups' })
    @Transform(
        (value: any, obj: any) =>
            transformValue(Boolean, 'sharedSecurityGroups', value, obj, []),
        {
            toClassOnly: true,
        }
    )
    sharedSecurityGroups?: Optional<boolean>;

}

export class TypeConfigurationModel extends BaseModel {
    ['constructor']: typeof TypeConfigurationModel;



}

