// Runs perfxl's xlwings Lite functions in Pyodide under Node, as the Lite add-in runs them.
//
// Usage: node run_lite.mjs job.json   (job written by tests/test_lite.py; the answer goes to stdout as JSON)
//
// The setup follows xlwings-server's Wasm mode (the public base of the Lite add-in,
// xlwings_server/static/js/wasm.js): micropip installs the packages, the runtime files config.py and
// wasm_runtime.py are written beside the user's code, wasm_runtime.py runs, and every cell's call goes
// through its custom_functions_call with the body that custom-functions-code.js builds.
// Nothing is fetched from the network: every wheel is a local file.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

// A failure prints Python's or Node's message only (Pyodide's own stack is a megabyte of one line).
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
function fail(error) {
  process.stderr.write(String(error?.message ?? error).slice(-4000) + "\n");
  process.exit(1);
}

await main().catch(fail);

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const { loadPyodide } = await import(pathToFileURL(path.join(job.pyodide_dir, "pyodide.mjs")).href);

  const started = Date.now();
  // Pyodide's own messages (e.g. "Failed to load click" for a package it cannot fetch) go to the test.
  const log = [];
  const keep = (line) => log.push(line);
  const pyodide = await loadPyodide({ indexURL: job.pyodide_dir + path.sep, stdout: keep, stderr: keep });

  // micropip itself: Pyodide would load it from its CDN, so its wheel is unpacked by hand.
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(job.micropip_wheel)), "wheel");

  // Every other wheel goes into Pyodide's file system and is installed by micropip from there.
  pyodide.FS.mkdirTree("/wheels");
  const emfs = (file) => {
    const target = "/wheels/" + path.basename(file);
    pyodide.FS.writeFile(target, new Uint8Array(fs.readFileSync(file)));
    return "emfs:" + target;
  };
  const dependencies = job.dependency_wheels.map(emfs);
  const perfxlWheel = emfs(job.perfxl_wheel);
  // requirements.txt as a Lite user pastes it; perfxl's wheel address becomes the local file.
  const requirements = job.requirements
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line)
    .map((line) => (line.endsWith(".whl") && path.basename(line).startsWith("perfxl-") ? perfxlWheel : line));

  pyodide.globals.set("dependencies", pyodide.toPy(dependencies));
  pyodide.globals.set("requirements", pyodide.toPy(requirements));
  await pyodide.runPythonAsync(`
  import micropip
  # The packages Pyodide or Lite bring (pydantic, xlwings), each without asking for more.
  await micropip.install(dependencies, deps=False)
  # Then the user's requirements.txt, dependencies resolved: perfxl's markers must ask for nothing
  # that is not installed yet, or micropip would go looking on an index (there is none here).
  micropip.set_index_urls(["emfs:/no-index/{package_name}"])
  await micropip.install(requirements)
  `);
  const installSeconds = (Date.now() - started) / 1000;

  // The runtime files and the user's code, as wasm.js writes them (Lite: main.py).
  for (const [name, text] of Object.entries(job.runtime_files)) {
    pyodide.FS.writeFile(name, text);
  }
  pyodide.FS.writeFile("custom_functions.py", job.main_py);
  pyodide.FS.writeFile("custom_scripts.py", "");
  await pyodide.runPythonAsync(job.runtime_files["wasm_runtime.py"]);
  const customFunctionsCall = pyodide.globals.get("custom_functions_call");
  const customFunctionsMeta = pyodide.globals.get("custom_functions_meta");

  const plain = (value) => (value && typeof value.toJs === "function" ? value.toJs({ dict_converter: Object.fromEntries }) : value);
  const meta = plain(customFunctionsMeta(job.main_py));
  const xlwingsVersion = pyodide.runPython("import xlwings; xlwings.__version__");

  const results = [];
  for (const call of job.calls) {
    // custom-functions-code.js, base(): the body sent to Python for one cell.
    const body = {
      client: "Office.js",
      func_name: call.func_name,
      args: call.args,
      caller_address: `[自评表.xlsx]${call.address}`,
      session_id: "perfxl-test",
      culture_info_name: "zh-CN",
      date_format: "yyyy/m/d",
      version: xlwingsVersion,
      runtime: "1.4",
    };
    results.push(plain(await customFunctionsCall(body)));
  }

  // What is installed, and what perfxl's metadata asks for here (its markers evaluated in Pyodide).
  const [installed, wanted] = JSON.parse(
    pyodide.runPython(`
  import importlib.metadata, json
  from micropip._vendored.packaging.src.packaging.requirements import Requirement
  def canonical(name):
      return name.lower().replace("_", "-")
  installed = sorted(canonical(d.metadata["Name"]) for d in importlib.metadata.distributions())
  requirements = [Requirement(text) for text in importlib.metadata.requires("perfxl")]
  wanted = sorted(canonical(r.name) for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""}))
  json.dumps([installed, wanted])
  `),
  );
  const platform = pyodide.runPython("import sys; sys.platform");
  process.stdout.write(
    JSON.stringify({ meta, results, installed, wanted, log, platform, install_seconds: installSeconds, seconds: (Date.now() - started) / 1000 }),
  );
}
