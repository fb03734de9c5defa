// Entry point of the provider plugin `pulumi-resource-faktory-ha` (the launcher of that name beside this file
// runs it built: dist/provider/main.js). The engine passes its address as the last argument; the process answers
// with the port it serves on.
import * as provider from "@pulumi/pulumi/provider";
import { FaktoryHaProvider, loadSchema } from "./provider";

const { text, schema } = loadSchema();
void provider.main(new FaktoryHaProvider(text, schema), process.argv.slice(2));
