/**
 * Targets files: vegeta's http and JSON formats read unchanged, tpsdemo's `#@` extras, the CLI's
 * defaults, default names, and every error with the `file:line` it names.
 */
import { assertEquals, assertOk, assertThrows } from "./_assert.ts";
import {
  detectFormat,
  parseTargets,
  type ParseTargetsOptions,
  type TargetSpec,
  WorkloadError,
} from "../lib/workload/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Options whose readFile serves `files` (path → text) and records what was asked. */
function fake(files: Record<string, string> = {}, defaults?: ParseTargetsOptions["defaults"]) {
  const asked: string[] = [];
  const options: ParseTargetsOptions = {
    readFile(path) {
      asked.push(path);
      const text = files[path];
      if (text === undefined) throw new Deno.errors.NotFound(`No such file: '${path}'`);
      return enc.encode(text);
    },
    ...(defaults ? { defaults } : {}),
  };
  return { options, asked };
}

const brief = (s: TargetSpec) => ({
  name: s.name,
  method: s.method,
  url: s.url,
  headers: s.headers,
  body: s.body && dec.decode(s.body),
  where: s.where,
});

// vegeta's README, "http format": its examples, one after the other, as they are.
const VEGETA = `GET http://goku:9090/path/to/dragon?item=ball
GET http://user:password@goku:9090/path/to
HEAD http://goku:9090/path/to/success

GET http://user:password@goku:9090/path/to
X-Account-ID: 8675309

DELETE http://goku:9090/path/to/remove
Confirmation-Token: 90215
Authorization: Token DEADBEEF

POST http://goku:9090/things
@/path/to/newthing.json

PATCH http://goku:9090/thing/71988591
@/path/to/thing-71988591.json

POST http://goku:9090/things
X-Account-ID: 99
@/path/to/newthing.json

# get a dragon ball
GET http://goku:9090/path/to/dragon?item=ball
# specify a test accout
X-Account-ID: 99
`;

Deno.test("targets: vegeta's README examples read unchanged", () => {
  const { options, asked } = fake({
    "/path/to/newthing.json": '{"new":true}',
    "/path/to/thing-71988591.json": '{"id":71988591}',
  });
  const specs = parseTargets(VEGETA, "targets.txt", options);
  assertEquals(specs.map(brief), [
    {
      name: "GET /path/to/dragon",
      method: "GET",
      url: "http://goku:9090/path/to/dragon?item=ball",
      headers: [],
      body: undefined,
      where: "targets.txt:1",
    },
    {
      name: "GET /path/to",
      method: "GET",
      url: "http://user:password@goku:9090/path/to",
      headers: [],
      body: undefined,
      where: "targets.txt:2",
    },
    {
      name: "HEAD /path/to/success",
      method: "HEAD",
      url: "http://goku:9090/path/to/success",
      headers: [],
      body: undefined,
      where: "targets.txt:3",
    },
    {
      name: "GET /path/to #2",
      method: "GET",
      url: "http://user:password@goku:9090/path/to",
      headers: [["X-Account-ID", "8675309"]],
      body: undefined,
      where: "targets.txt:5",
    },
    {
      name: "DELETE /path/to/remove",
      method: "DELETE",
      url: "http://goku:9090/path/to/remove",
      headers: [["Confirmation-Token", "90215"], ["Authorization", "Token DEADBEEF"]],
      body: undefined,
      where: "targets.txt:8",
    },
    {
      name: "POST /things",
      method: "POST",
      url: "http://goku:9090/things",
      headers: [],
      body: '{"new":true}',
      where: "targets.txt:12",
    },
    {
      name: "PATCH /thing/71988591",
      method: "PATCH",
      url: "http://goku:9090/thing/71988591",
      headers: [],
      body: '{"id":71988591}',
      where: "targets.txt:15",
    },
    {
      name: "POST /things #2",
      method: "POST",
      url: "http://goku:9090/things",
      headers: [["X-Account-ID", "99"]],
      body: '{"new":true}',
      where: "targets.txt:18",
    },
    {
      name: "GET /path/to/dragon #2",
      method: "GET",
      url: "http://goku:9090/path/to/dragon?item=ball",
      headers: [["X-Account-ID", "99"]],
      body: undefined,
      where: "targets.txt:23",
    },
  ]);
  assertEquals(asked, [
    "/path/to/newthing.json",
    "/path/to/thing-71988591.json",
    "/path/to/newthing.json",
  ]);
  for (const s of specs) assertEquals([s.weight, s.expect, s.checks], [1, undefined, []]);
});

Deno.test("targets: a file on disk, its @body relative to the file's folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bodies`);
    await Deno.writeTextFile(`${dir}/bodies/login.json`, '{"user":"{{row.user}}"}');
    await Deno.writeTextFile(
      `${dir}/targets.txt`,
      "#@ name=login weight=3\r\nPOST http://127.0.0.1:8000/login\r\n" +
        "Content-Type: application/json\r\n@bodies/login.json\r\n",
    );
    const file = `${dir}/targets.txt`;
    const [spec] = parseTargets(await Deno.readTextFile(file), file, {
      readFile: Deno.readFileSync,
    });
    assertEquals(brief(spec!), {
      name: "login",
      method: "POST",
      url: "http://127.0.0.1:8000/login",
      headers: [["Content-Type", "application/json"]],
      body: '{"user":"{{row.user}}"}',
      where: `${file}:2`,
    });
    assertEquals(spec!.weight, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("targets: vegeta's JSON format, with the extras as fields", () => {
  const text = [
    // what vegeta's README makes with jq
    '{"method":"GET","url":"http://goku","body":"UHVuY2gh","header":{"Content-Type":["text/plain"]}}',
    "",
    '{"method":"POST","url":"http://goku/a","header":{"X":["1","2"]},"name":"a","weight":0.5,' +
    '"expect":"200-299,410","check":["body~\\"ok\\"","json.id==1"]}',
    '{"url":"http://goku/b?x=1","check":"json.ok exists","expect":204}',
  ].join("\n");
  assertEquals(detectFormat(text), "json");
  const specs = parseTargets(text, "t.json", fake().options);
  assertEquals(specs.map(brief), [
    {
      name: "GET /",
      method: "GET",
      url: "http://goku",
      headers: [["Content-Type", "text/plain"]],
      body: "Punch!",
      where: "t.json:1",
    },
    {
      name: "a",
      method: "POST",
      url: "http://goku/a",
      headers: [["X", "1"], ["X", "2"]],
      body: undefined,
      where: "t.json:3",
    },
    {
      name: "GET /b",
      method: "GET",
      url: "http://goku/b?x=1",
      headers: [],
      body: undefined,
      where: "t.json:4",
    },
  ]);
  assertEquals(specs[1]!.weight, 0.5);
  assertEquals(specs[1]!.checks.map((c) => c.text), ['body~"ok"', "json.id==1"]);
  assertOk(specs[1]!.expect!.has(410) && !specs[1]!.expect!.has(404));
  assertEquals(specs[2]!.checks.map((c) => c.text), ["json.ok exists"]);
  assertOk(specs[2]!.expect!.has(204) && !specs[2]!.expect!.has(200));
});

Deno.test("targets: #@ extras, several lines for one target, and quoted TEXT", () => {
  const text = [
    "# a plain comment",
    '#@ name=login weight=3 expect=200-299, 410 check=body~"to ken=1"',
    "#@ check=json.user.id==42 check=json.user exists",
    "POST http://api/login",
    "",
    "#@ weight=0.25",
    "GET http://api/health",
  ].join("\n");
  const [login, health] = parseTargets(text, "t.txt", fake().options);
  assertEquals([login!.name, login!.weight, login!.where], ["login", 3, "t.txt:4"]);
  assertEquals(login!.checks.map((c) => c.text), [
    'body~"to ken=1"',
    "json.user.id==42",
    "json.user exists",
  ]);
  assertOk(login!.expect!.has(299) && login!.expect!.has(410) && !login!.expect!.has(300));
  assertEquals([health!.name, health!.weight], ["GET /health", 0.25]);
});

Deno.test("targets: the defaults apply where a target does not say otherwise", () => {
  const text = [
    "http://api/bare",
    "POST http://api/own",
    "x-token: mine",
    "@own.json",
    "",
    "PUT http://api/none",
  ].join("\n");
  const { options } = fake({ "dir/own.json": "own" }, {
    method: "POST",
    headers: [["X-Token", "default"], ["Accept", "application/json"]],
    body: enc.encode("default"),
  });
  const specs = parseTargets(text, "dir/t.txt", options).map(brief);
  assertEquals(specs.map((s) => [s.method, s.headers, s.body]), [
    ["POST", [["X-Token", "default"], ["Accept", "application/json"]], "default"],
    ["POST", [["Accept", "application/json"], ["x-token", "mine"]], "own"],
    ["PUT", [["X-Token", "default"], ["Accept", "application/json"]], "default"],
  ]);
  // With no default method a bare URL is a GET, in either format.
  assertEquals(parseTargets("http://api/x\n", "t.txt", fake().options)[0]!.method, "GET");
  assertEquals(parseTargets('{"url":"http://a/"}', "t.json", fake().options)[0]!.method, "GET");
});

Deno.test("targets: default names drop the query, keep placeholders, cap at 64, number repeats", () => {
  const long = `http://h/${"a".repeat(80)}`;
  const text = [
    "GET http://h/users/{{row.id}}?full={{seq}}",
    `GET ${long}`,
    `GET ${long}?b`,
    `GET ${long}?c`,
    "GET https://{{row.host}}:{{rand:8000:8009}}/x#frag",
  ].join("\n");
  const names = parseTargets(text, "t.txt", fake().options).map((s) => s.name);
  assertEquals(names, [
    "GET /users/{{row.id}}",
    `GET /${"a".repeat(59)}`,
    `GET /${"a".repeat(56)} #2`,
    `GET /${"a".repeat(56)} #3`,
    "GET /x",
  ]);
  for (const n of names) assertOk(n.length <= 64, n);
});

/** The error `text` (in `t.txt`, or `t.json`) gives. */
function errorOf(text: string, file = "t.txt", defaults?: ParseTargetsOptions["defaults"]) {
  return assertThrows(() => parseTargets(text, file, fake({}, defaults).options), WorkloadError);
}

Deno.test("targets: every error names file:line and what is allowed", () => {
  const cases: [string, string | RegExp][] = [
    ["FETCH http://h/", /^t\.txt:1: unknown method 'FETCH'; allowed: GET, HEAD, POST, PUT, PATCH/],
    ["GET http://h/\n\nget http://h/", /^t\.txt:3: unknown method 'get'.*\(upper-case\)$/],
    ["GET ftp://h/file", /^t\.txt:1: URL 'ftp:\/\/h\/file' .*http:\/\/ or https:\/\//],
    ["GET /relative", /^t\.txt:1: URL '\/relative' /],
    ["GET http://", /^t\.txt:1: URL 'http:\/\/' /],
    ["GET http://h/ extra", /^t\.txt:1: expected a target line 'METHOD URL'/],
    ["X-Id: 1\nGET http://h/", /^t\.txt:1: 'X-Id: 1' looks like a header/],
    ["GET http://h/\nX-Account-ID 99", /^t\.txt:2: malformed header "X-Account-ID 99".*no colon/],
    ["GET http://h/\n: v", /^t\.txt:2: malformed header ": v": .*token/],
    ["GET http://h/\nX A: v", /^t\.txt:2: malformed header "X A: v"/],
    ["GET http://h/\nX-A: a\rb", /^t\.txt:2: malformed header .*CR, LF/],
    [
      "POST http://h/\n@missing.json",
      /^t\.txt:2: cannot read the body file 'missing\.json' \(No such/,
    ],
    ["POST http://h/\n@", /^t\.txt:2: '@' names no body file/],
    ["POST http://h/\n@a\nX: 1", /^t\.txt:3: the '@body' line ends a target/],
    ["#@ weight=0\nGET http://h/", /^t\.txt:1: weight '0' must be a number > 0/],
    ["#@ weight=-2\nGET http://h/", /^t\.txt:1: weight '-2' must be a number > 0/],
    ["#@ weight=lots\nGET http://h/", /^t\.txt:1: weight 'lots' must be a number > 0/],
    [
      "#@ name=a\nGET http://h/\n\n#@ name=a\nGET http://h/b",
      /^t\.txt:5: name 'a' is already used by the target at t\.txt:2/,
    ],
    [
      "#@ name=has space\nGET http://h/",
      /^t\.txt:1: name 'has space' is not one: 1 to 64 of A-Za-z0-9_\.:\/-/,
    ],
    [`#@ name=${"n".repeat(65)}\nGET http://h/`, /^t\.txt:1: name 'n+' is not one/],
    [
      "#@ wieght=2\nGET http://h/",
      /^t\.txt:1: unknown extra 'wieght'; allowed: name, weight, expect, check$/,
    ],
    ["#@ weight=2\n#@ weight=3\nGET http://h/", /^t\.txt:2: 'weight' is given twice/],
    ["#@ just words\nGET http://h/", /^t\.txt:1: '#@ just words': expected key=value pairs/],
    ["#@ expect=2xx\nGET http://h/", /^t\.txt:1: expect '2xx': '2xx' is not one of status codes/],
    ["#@ check=status==200\nGET http://h/", /^t\.txt:1: check 'status==200': .*body~"TEXT"/],
    ["GET http://h/\n#@ weight=2", /^t\.txt:2: a '#@' line with no target after it$/],
    [
      "GET http://h/\n#@ weight=2\nX: 1",
      /^t\.txt:3: a '#@' line \(at t\.txt:2\) must come just before/,
    ],
    ["", /^t\.txt:1: no targets: the file is empty or holds only comments/],
    ["# only\n#comments\n\n", /^t\.txt:1: no targets/],
    [
      "GET http://h/{{sequence}}",
      /^t\.txt:1: \{\{sequence\}\}: unknown placeholder; placeholders are/,
    ],
    ["GET http://h/\nX-Id: {{uuid", /^t\.txt:1: header 'X-Id': '\{\{uuid…' opens a placeholder/],
  ];
  for (const [text, message] of cases) {
    const e = errorOf(text);
    if (typeof message === "string") assertEquals(e.message, message, text);
    else assertOk(message.test(e.message), `${JSON.stringify(text)}: ${e.message}`);
  }
});

Deno.test("targets: a bad placeholder in a body names the body file", () => {
  const { options } = fake({ "load/b.json": '{"n":{{rand:9:1}}}' });
  const e = assertThrows(
    () => parseTargets("POST http://h/\n@b.json", "load/t.txt", options),
    WorkloadError,
  );
  assertEquals(e.where, "load/t.txt:2: body file 'load/b.json'");
  assertOk(/\{\{rand:9:1\}\}: A is above B/.test(e.message), e.message);
});

Deno.test("targets: JSON-format errors name the line", () => {
  const cases: [string, RegExp][] = [
    ['{"url":"http://h/"}\n{"url":', /^t\.json:2: not a JSON object \(/],
    ['{"url":"http://h/"}\n["GET"]', /^t\.json:2: not a JSON object; a target is/],
    ['{"method":"GET"}', /^t\.json:1: 'url' must be a string/],
    [
      '{"url":"http://h/","headers":{}}',
      /^t\.json:1: unknown field 'headers'; allowed: method, url/,
    ],
    ['{"url":"http://h/","body":"%%%"}', /^t\.json:1: 'body' must be a base64 string/],
    [
      '{"url":"http://h/","header":{"X":[1]}}',
      /^t\.json:1: header 'X' must be an array of strings/,
    ],
    ['{"url":"http://h/","header":{"X":["a\\r\\nY: b"]}}', /^t\.json:1: malformed header .*CR, LF/],
    ['{"method":"get","url":"http://h/"}', /^t\.json:1: unknown method 'get'/],
    ['{"url":"http://h/","weight":0}', /^t\.json:1: weight '0' must be a number > 0/],
    ['{"url":"http://h/","name":7}', /^t\.json:1: 'name' must be a string/],
    ['{"url":"http://h/","check":["body~ok"]}', /^t\.json:1: check 'body~ok': TEXT must be quoted/],
    ['{"url":"http://h /"}', /^t\.json:1: URL 'http:\/\/h \/' /],
  ];
  for (const [text, message] of cases) {
    const e = errorOf(text, "t.json");
    assertOk(message.test(e.message), `${text}: ${e.message}`);
  }
});

Deno.test("targets: bad defaults name their flag", () => {
  assertOk(/^--method: unknown method 'BREW'/.test(
    errorOf("http://h/", "t.txt", { method: "BREW" }).message,
  ));
  assertOk(/^-H: malformed header "X Y: 1"/.test(
    errorOf("GET http://h/", "t.txt", { headers: [["X Y", "1"]] }).message,
  ));
});

Deno.test("targets: placeholders anywhere in a URL pass the URL check", () => {
  const text = "GET http://{{row.host}}:{{rand:8000:8009}}/u/{{uuid}}?q={{randstr:8}}&n={{seq}}";
  const [spec] = parseTargets(text, "t.txt", fake().options);
  assertEquals(spec!.url, text.slice(4));
});
