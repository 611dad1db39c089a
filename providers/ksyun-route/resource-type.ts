// The VpcRoute resource's type token, apart from index.ts so that readers of the state (the watcher, the status
// view) need not load the Pulumi SDK to know it.
export const RESOURCE_MODULE = "ksyun";
export const RESOURCE_TYPE = "VpcRoute";
/** As the engine records dynamic resources: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const VPC_ROUTE_TYPE = `pulumi-nodejs:dynamic/${RESOURCE_MODULE}:${RESOURCE_TYPE}`;
