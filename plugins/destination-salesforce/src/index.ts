// Public API of @reverse-etl/destination-salesforce.
export {};
