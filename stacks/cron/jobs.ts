// The cron jobs every stack mounts (stack config `faktory-ha:cronFile`). Faktory evaluates schedules
// in UTC; `timezone` states the zone the author means, so the plan shows local run times and warns
// when a daylight-saving change moves a UTC schedule in local time.
import type { CronJob } from "../../components/cron";

const cronJobs: CronJob[] = [
  {
    name: "monthly-statements",
    description: "Statements for the month, on the 27th at noon UTC",
    schedule: "0 12 27 * *",
    job: { type: "MyWorker", args: ["SomeArgument"], retry: 5 },
  },
  {
    name: "ledger-reconciliation",
    description: "Reconcile the ledger after the US business day (22:30 Chicago time in winter)",
    schedule: "30 4 * * TUE-SAT",
    timezone: "America/Chicago",
    job: {
      type: "ReconcileLedger",
      queue: "ledger",
      retry: 3,
      reserve_for: 3600,
      custom: { expires_in: 7200 },
    },
  },
  {
    name: "payment-retries",
    description: "Retry failed card payments every 15 minutes",
    schedule: "*/15 * * * *",
    job: { type: "RetryFailedPayments", queue: "payments", retry: 0 },
  },
];

export default cronJobs;
