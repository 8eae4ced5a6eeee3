export { testDestinationContract } from "./destination-contract.js";
export type { DestinationContractOptions, ReadBackContext } from "./destination-contract.js";
export { testSourceContract } from "./source-contract.js";
export type { SourceContractOptions } from "./source-contract.js";
