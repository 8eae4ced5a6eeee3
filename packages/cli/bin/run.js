#!/usr/bin/env node
import { execute } from "@oclif/core";
import { limitHeapGrowth } from "@reverse-etl/core";

// A sync's batches die young: keep the heap near the data it holds (see limitHeapGrowth).
limitHeapGrowth();

await execute({ dir: import.meta.url });
