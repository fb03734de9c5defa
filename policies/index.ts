// The policy pack's entry point: `pulumi preview --policy-pack policies`. Constructing a PolicyPack
// starts the analyzer's gRPC server, so this is the only file that does it and no test imports it.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("faktory-ha", {
  description: "faktory-ha: a private, durable Redis; one active Faktory server; Kubernetes and EKS hygiene.",
  policies,
});
