/** Response checks: expected statuses and the body-check language. */
import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import {
  contains,
  DEFAULT_EXPECT,
  failedCheck,
  parseCheck,
  parseStatusSet,
} from "../lib/workload/checks.ts";
import { WorkloadError } from "../lib/workload/errors.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

Deno.test("checks: a status set holds its codes and ranges, nothing else", () => {
  const set = parseStatusSet("200-299, 410,503 - 504");
  const has = [100, 199, 200, 250, 299, 300, 409, 410, 411, 503, 504, 505, 0, -1, 600, 1e9, 204.5]
    .filter((s) => set.has(s));
  assertEquals(has, [200, 250, 299, 410, 503, 504]);
  assertEquals(set.text, "200-299, 410,503 - 504");
  assertOk(DEFAULT_EXPECT.has(200) && DEFAULT_EXPECT.has(399) && DEFAULT_EXPECT.has(302));
  assertOk(!DEFAULT_EXPECT.has(199) && !DEFAULT_EXPECT.has(400) && !DEFAULT_EXPECT.has(503));
  assertOk(parseStatusSet("100-599").has(599) && parseStatusSet("404").has(404));
});

Deno.test("checks: a bad status set names it and what is allowed", () => {
  for (const bad of ["", "2xx", "99", "600", "300-200", "200,", "200-", "2000", "abc-def"]) {
    const e = assertThrows(() => parseStatusSet(bad), WorkloadError);
    assertOk(e.message.startsWith(`expect '${bad}': `), e.message);
    assertOk(e.message.includes("from 100 to 599"), e.message);
  }
});

Deno.test("checks: body~ and body!~ search the bytes", () => {
  const body = bytes('{"token":"abc","msg":"say \\"hi\\""} é');
  const pass = (check: string, b = body) => parseCheck(check).test(b);
  assertOk(pass('body~"token"'));
  assertOk(pass('body ~ "abc"'));
  assertOk(pass('body~"say \\\\\\"hi"')); // TEXT is: say \"hi
  assertOk(pass('body~"é"'));
  assertOk(!pass('body~"tokens"'));
  assertOk(pass('body!~"error"'));
  assertOk(!pass('body!~"abc"'));
  assertOk(!pass('body~"x"', new Uint8Array(0)));
  assertOk(pass('body~"\\\\"', bytes("a\\b")));
  // Binary bodies are searched as they are.
  assertOk(pass('body~"OK"', new Uint8Array([0, 255, 79, 79, 79, 75, 0])));
  const c = parseCheck('body~"to\\"k"');
  assertEquals([c.kind, c.text], ["contains", 'body~"to\\"k"']);
});

Deno.test("checks: the byte search finds a needle anywhere, or not", () => {
  const hay = bytes("aaab aab ab");
  assertOk(contains(hay, bytes("aab")));
  assertOk(contains(hay, bytes("ab ab")));
  assertOk(contains(hay, bytes("b")));
  assertOk(!contains(hay, bytes("abb")));
  assertOk(!contains(hay, bytes("ab ab ")));
  assertOk(!contains(bytes("a"), bytes("aa")));
});

Deno.test("checks: json checks read the path, compare scalars, and fail on non-JSON", () => {
  const body = bytes(JSON.stringify({
    user: { id: 42, name: "ann", admin: false, boss: null, tags: ["a", "b"] },
    items: [{ sku: "x1" }],
    "dash-key": 1,
  }));
  const cases: [string, boolean][] = [
    ["json.user.id==42", true],
    ["json.user.id==42.0", true],
    ["json.user.id == 43", false],
    ['json.user.id=="42"', false],
    ['json.user.name=="ann"', true],
    ["json.user.admin==false", true],
    ["json.user.boss==null", true],
    ['json.user.tags.1=="b"', true],
    ['json.items.0.sku=="x1"', true],
    ['json.items.1.sku=="x1"', false],
    ["json.dash-key==1", true],
    ["json.user.id!=43", true],
    ["json.user.id!=42", false],
    ["json.user.missing!=1", true],
    ["json.user.exists exists", false],
    ["json.user.boss exists", true],
    ["json.user.tags.1 exists", true],
    ["json.user.tags.2 exists", false],
    ["json.user.tags.x exists", false],
    ["json.user.id.deeper exists", false],
    ["json.user exists", true],
  ];
  for (const [check, want] of cases) assertEquals(parseCheck(check).test(body), want, check);
  // A body that is not JSON (or not UTF-8) fails every json check, != and exists too.
  for (const b of [bytes("<html>"), bytes(""), new Uint8Array([0x7b, 0xff, 0x7d])]) {
    for (const check of ["json.a==1", "json.a!=1", "json.a exists"]) {
      assertEquals(parseCheck(check).test(b), false, `${check} on ${b}`);
    }
  }
  assertOk(parseCheck("json.0==7").test(bytes("[7]")));
});

Deno.test("checks: failedCheck names the first failure", () => {
  const checks = ["json.ok==true", 'body~"done"', "json.n!=0"].map(parseCheck);
  assertEquals(failedCheck(checks, bytes('{"ok":true,"s":"done","n":1}')), undefined);
  assertEquals(failedCheck(checks, bytes('{"ok":true,"s":"done","n":0}'))?.text, "json.n!=0");
  assertEquals(failedCheck(checks, bytes('{"ok":true}'))?.text, 'body~"done"');
  assertEquals(failedCheck(checks, bytes("done"))?.text, "json.ok==true");
  assertEquals(failedCheck([], bytes("")), undefined);
});

Deno.test("checks: a malformed check names it and the allowed forms", () => {
  const cases: [string, string][] = [
    ["status==200", "not a form it knows"],
    ["body~token", "TEXT must be quoted"],
    ['body~"tok', "TEXT must be quoted"],
    ['body~""', "TEXT is empty"],
    ['body~"a"b"', "a quote inside TEXT must be escaped"],
    ['body~"a\\nb"', 'only \\" and \\\\ escape'],
    ["json.a==", "VALUE '' is not JSON"],
    ["json.a==ann", "VALUE 'ann' is not JSON"],
    ['json.a=={"b":1}', "VALUE must be a scalar"],
    ["json.a==[1]", "VALUE must be a scalar"],
    ["json==1", "not a form it knows"],
    ["json.a", "not a form it knows"],
    ["json.a exist", "not a form it knows"],
    ["json..a==1", "not a form it knows"],
    ["json.a>1", "not a form it knows"],
  ];
  for (const [check, why] of cases) {
    const e = assertThrows(() => parseCheck(check), WorkloadError);
    assertOk(e.message.startsWith(`check '${check}': ${why}`), e.message);
    assertOk(
      e.message.includes('a check is body~"TEXT", body!~"TEXT", json.PATH==VALUE'),
      e.message,
    );
  }
});
