export { parseStatement } from "./emulator/sql/parse-statement.js";
