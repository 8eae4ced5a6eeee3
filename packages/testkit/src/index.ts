export { testDestinationContract } from "./destination-contract.js";
export type { DestinationContractOptions, ReadBackContext } from "./destination-contract.js";
export { startFaultProxy } from "./fault-proxy.js";
export type { FaultProxy, FaultProxyOptions, FaultProxyStats, ProxiedRequest } from "./fault-proxy.js";
export type { Fault, FaultAction, FaultJson, FaultRule } from "./fault-plan.js";
export { testSourceContract } from "./source-contract.js";
export type { SourceContractOptions } from "./source-contract.js";
export { createDatabase, startPostgres, TEST_POSTGRES_URL_ENV } from "./postgres-server.js";
export type { PostgresServer, StartPostgresOptions } from "./postgres-server.js";
