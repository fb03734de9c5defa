// The one list of policies. The pack (index.ts) and the offline evaluator (offline.ts) both use it,
// so `pulumi preview --policy-pack policies` and `faktory-ha plan` run the same rules.
import type { Policies } from "@pulumi/policy";
import { alarmPolicies } from "./alarms";
import { eksResourcePolicies } from "./eks";
import { elasticachePolicies } from "./elasticache";
import { kubernetesPolicies } from "./kubernetes";
import { stackPolicies } from "./stack";
import { tlsPolicies } from "./tls";
import { workerPolicies } from "./workers";

export const policies: Policies = [
  ...elasticachePolicies,
  ...kubernetesPolicies,
  ...tlsPolicies,
  ...eksResourcePolicies,
  ...stackPolicies,
  ...alarmPolicies,
  ...workerPolicies,
];
