/** A JSON schema object (draft 2020-12 / 07 subset that ajv accepts). */
export type JsonSchema = { [keyword: string]: unknown };
