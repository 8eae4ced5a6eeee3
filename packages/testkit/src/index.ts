export { testDestinationContract } from "./destination-contract.js";
export type { DestinationContractOptions, ReadBackContext } from "./destination-contract.js";
