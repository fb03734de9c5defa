import { describe, expect, it } from "vitest";
import { parseSchedule, toCronerPattern } from "../../../components/cron";

describe("parseSchedule: accepted grammar", () => {
  it.each([
    ["0 12 27 * *", "0 12 27 * *"],
    ["*/15 * * * *", "0,15,30,45 * * * *"],
    ["0 9-17/4 * * MON-FRI", "0 9,13,17 * * 1,2,3,4,5"],
    ["5,10,50-52 0 1,15 JAN,jul *", "5,10,50,51,52 0 1,15 1,7 *"],
    ["0 0 ? * sun", "0 0 * * 0"],
    ["0 0 1 * ?", "0 0 1 * *"],
    ["0\t0  1 * *", "0 0 1 * *"],
    ["0 0 * * 0-6", "0 0 * * 0,1,2,3,4,5,6"],
    ["0 0 */2 * *", "0 0 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *"],
  ])("%j reads as the croner pattern %j", (schedule, pattern) => {
    const parsed = parseSchedule(schedule);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(toCronerPattern(parsed.schedule)).toBe(pattern);
  });
});

describe("parseSchedule: rejected, with the reason", () => {
  it.each([
    ["", /^is empty; expected five fields/],
    ["0 12 * *", /^has 4 fields; expected five fields "minute hour day-of-month month day-of-week"/],
    ["0 0 12 * * *", /^has 6 fields \(a seconds field is not accepted\); expected/],
    ["@hourly", /^uses the descriptor "@hourly", which Faktory does not document; write "0 \* \* \* \*"$/],
    ["@daily", /write "0 0 \* \* \*"$/],
    ["@every 5m", /^uses "@every", which Faktory does not document; expected five fields/],
    ["CRON_TZ=America/Chicago 0 12 * * *", /^sets a time zone prefix.*"timezone" field instead$/],
    ["60 * * * *", /^minute field "60": 60 is out of range 0-59$/],
    ["0 24 * * *", /^hour field "24": 24 is out of range 0-23$/],
    ["0 0 0 * *", /^day-of-month field "0": 0 is out of range 1-31$/],
    ["0 0 * 13 *", /^month field "13": 13 is out of range 1-12$/],
    [
      "0 0 * * 7",
      /^day-of-week field "7": 7 is out of range 0-6 \(Sunday is 0; 7 is not accepted by robfig\/cron\)$/,
    ],
    ["0 0 * FOO *", /^month field "FOO": "FOO" is not a valid month; expected a number or one of JAN,FEB,/],
    ["0 0 * * MON#2", /^day-of-week field "MON#2": "MON#2" is not a number$/],
    [
      "0 0 L * *",
      /^day-of-month field "L": "L" is not a valid day-of-month; expected a number \(names are only/,
    ],
    ["0 0 * JAN-MON *", /^month field "JAN-MON": "MON" is not a valid month/],
    [
      "5/15 * * * *",
      /^minute field "5\/15": "5\/15" \(a single value with a step\) is ambiguous; write "5-59\/15"$/,
    ],
    ["*/0 * * * *", /^minute field "\*\/0": step "0" in "\*\/0" must be a whole number ≥ 1$/],
    [
      "0 22-2 * * *",
      /^hour field "22-2": range "22-2" starts after it ends \(wrap-around ranges are not accepted\)$/,
    ],
    ["1,,2 * * * *", /^minute field "1,,2": has an empty list item$/],
    ["? * * * *", /^minute field "\?": "\?" is only allowed in day-of-month and day-of-week$/],
    [
      "0 0 */2 * MON",
      /^combines "\*\/2" with a restricted day-of-week, which cron implementations read differently/,
    ],
    ["0 0 1 * */2", /^combines "\*\/2" with a restricted day-of-month/],
    ["-5 * * * *", /^minute field "-5": "-5" is not a range a-b$/],
  ])("%j", (schedule, reason) => {
    const parsed = parseSchedule(schedule);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });
});
