/**
 * The CloudFormation custom-resource protocol as this function sees it: the request CloudFormation
 * sends (directly, as a Lambda event), the response it expects at the pre-signed ResponseURL, and the
 * progress a self re-invocation carries.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceEvent {
  RequestType: RequestType;
  ServiceToken?: string;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  ResourceType?: string;
  LogicalResourceId: string;
  /** Absent on Create. */
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
  /** Update only. */
  OldResourceProperties?: Record<string, unknown>;
  /** Present only on a self re-invocation: where the previous invocation stopped. */
  OriginLockProgress?: Progress;
}

export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, string>;
}

/** What the function does for a request; `undo-replace` releases a half-made replacement. */
export type Operation = 'create' | 'update' | 'replace' | 'delete' | 'undo-replace';

export interface Progress {
  /** Format version of this object. */
  v: 1;
  operation: Operation;
  /** The lifecycle callback context to resume with. */
  callbackContext: Record<string, unknown>;
  /** Epoch ms: when the first invocation for this request started. */
  firstInvokedAt: number;
  /** Epoch ms: answer FAILED once this passes. */
  deadline: number;
  /** Epoch ms: the next engine call must not start before this (CloudFront propagation poll). */
  resumeAt: number;
  /** Number of the invocation that will pick this up (1 is CloudFormation's own). */
  invocation: number;
  /** The last IN_PROGRESS message (what the lock is waiting for). */
  waitingFor?: string;
  /** `undo-replace`: the failure to report once the half-made replacement is released. */
  failureReason?: string;
}

/** The parts of the Lambda context this function uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  invokedFunctionArn?: string;
  functionName?: string;
  logStreamName?: string;
  awsRequestId?: string;
}
