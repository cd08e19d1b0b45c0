// Qlik's own API client (@qlik/api, pinned in package-lock.json) against a tenant, usually the
// emulator: every call below must succeed with the status and the shapes its types promise.
//
//   node tests/interop/qlik_api.mjs URL API_KEY     (or QLIK_HOST and QLIK_API_KEY in the env)
//
// Prints "ok <call>" per call on stdout and "calls: N" at the end; on the first failure prints
// "FAILED <call>: why" on stderr and exits 1. It creates what it needs under a random tag and
// deletes it again, so it can run against a tenant that holds other things.

import auth from "@qlik/api/auth";
import dataAssets from "@qlik/api/data-assets";
import dataFiles from "@qlik/api/data-files";
import dataSets from "@qlik/api/data-sets";
import dataStores from "@qlik/api/data-stores";
import extensions from "@qlik/api/extensions";
import tempContents from "@qlik/api/temp-contents";

const host = process.argv[2] || process.env.QLIK_HOST;
const apiKey = process.argv[3] || process.env.QLIK_API_KEY;
if (!host || !apiKey) {
  console.error("usage: node qlik_api.mjs URL API_KEY (or QLIK_HOST and QLIK_API_KEY)");
  process.exit(2);
}
auth.setDefaultHostConfig({ host, authType: "apikey", apiKey });

const tag = `qlik-api-${Math.random().toString(36).slice(2, 8)}`;
let calls = 0;

class Failure extends Error {}

// -- the shapes the types promise (the .d.ts files of @qlik/api 2.19.0), checked at run time --
// A shape is a JS type name, a function (value, path) => [problems], or an object of fields
// ("name?" for an optional one). Fields the types do not name are allowed, as in TypeScript.
const int = (v, p) => (Number.isSafeInteger(v) ? [] : [`${p}: ${JSON.stringify(v)} is not an exact integer`]);
const nullable = (shape) => (v, p) => (v === null ? [] : problems(v, shape, p));
const arrayOf = (shape) => (v, p) =>
  Array.isArray(v) ? v.flatMap((item, i) => problems(item, shape, `${p}[${i}]`)) : [`${p}: not an array`];
const oneOf = (...values) => (v, p) => (values.includes(v) ? [] : [`${p}: ${JSON.stringify(v)} is not one of ${values.join(", ")}`]);
const record = (v, p) => (v !== null && typeof v === "object" && !Array.isArray(v) ? [] : [`${p}: not an object`]);

function problems(value, shape, path = "data") {
  if (typeof shape === "function") return shape(value, path);
  if (typeof shape === "string") {
    if (shape === "unknown") return [];
    const got = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    return got === shape ? [] : [`${path}: ${got} where the types promise ${shape}`];
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [`${path}: ${value === null ? "null" : typeof value} where the types promise an object`];
  }
  const out = [];
  for (const [key, sub] of Object.entries(shape)) {
    const optional = key.endsWith("?");
    const name = optional ? key.slice(0, -1) : key;
    if (!(name in value) || value[name] === undefined) {
      if (!optional) out.push(`${path}.${name}: missing (required)`);
      continue;
    }
    out.push(...problems(value[name], sub, `${path}.${name}`));
  }
  return out;
}

// extensions.d.ts
const Extension = {
  "author?": "string", "bundle?": { "description?": "string", "id?": "string", "name?": "string" },
  "bundled?": "boolean", "checksum?": "string", "createdAt?": "string", "dependencies?": "unknown",
  "deprecated?": "string", "description?": "string", "file?": "unknown", "homepage?": "string",
  "icon?": "string", "id?": "string", "keywords?": "string", "license?": "string",
  "loadpath?": "string", "migrationState?": "string", "name?": "string", "preview?": "string",
  "qextFilename?": "string", "qextVersion?": "string", "repository?": "string",
  "supernova?": "boolean", "supplier?": "string", "tags?": arrayOf("string"),
  "tenantId?": "string", "type?": "string", "updateAt?": "string", "userId?": "string",
  "version?": "string",
};
const Extensions = { data: arrayOf(Extension) };

// data-files.d.ts
const ErrorCode = (v, p) => (typeof v === "string" && /^(HTTP-\d{3}|DF-0(0[1-9]|1\d|2[0-6]))$/.test(v) ? [] : [`${p}: ${JSON.stringify(v)} is not an ErrorCode`]);
const FolderStats = Object.fromEntries(["aggregateAppScopedFileSize", "aggregateFileSize",
  "aggregateInternalFileSize", "directAppScopedFileCount", "directFileCount", "directFolderCount",
  "directInternalFileCount", "totalAppScopedFileCount", "totalFileCount", "totalFolderCount",
  "totalInternalFileCount"].map((k) => [k, int]));
const DataFile = {
  actions: arrayOf(oneOf("read", "update", "delete", "list", "change_owner", "change_space")),
  "appId?": nullable("string"), "baseName?": nullable("string"),
  "contentUpdatedDate?": nullable("string"), createdDate: "string", "folder?": "boolean",
  "folderId?": nullable("string"), "folderPath?": nullable("string"), folderStats: FolderStats,
  id: "string", "modifiedDate?": nullable("string"), name: "string", ownerId: "string",
  "qri?": nullable("string"), size: int, "spaceId?": nullable("string"),
};
const Link = { "href?": nullable("string") };
const LinksResponse = { next: Link, prev: Link, self: Link };
const DataFilesPage = { data: arrayOf(DataFile), links: LinksResponse };
const MultiStatus = {
  data: arrayOf({ code: ErrorCode, "detail?": nullable("string"), id: "string", status: int,
    "title?": nullable("string") }),
};
const Quota = { allowedExtensions: arrayOf("string"), allowedInternalExtensions: arrayOf("string"),
  maxFileSize: int, maxLargeFileSize: int, maxSize: int, size: int };
const Connection = { connectStatement: "string", id: "string", name: "string",
  "spaceId?": nullable("string"), "spaceStats?": FolderStats, type: "string" };
const ConnectionsPage = { data: arrayOf(Connection), links: LinksResponse };

// temp-contents.d.ts
const TempDetails = { "CreatedAt?": "string", "CreatorID?": "string", "Expires?": "string",
  "ID?": "string", "Name?": "string", "Size?": "string", "TTLSeconds?": "number",
  "UpdatedAt?": "string" };

// data-stores.d.ts
const DataStore = {
  "createdBy?": "string", "createdTime?": "string", "description?": "string", "id?": "string",
  "lastModifiedBy?": "string", "lastModifiedTime?": "string", "name?": "string",
  "ownerId?": "string", "properties?": record, "spaceId?": "string", "tags?": arrayOf("string"),
  "technicalDescription?": "string", "technicalName": "string", "tenantId?": "string",
  type: "string", "uri?": "string", "version?": "number",
};
const StoreLinks = { "first?": { "href?": "string" }, "last?": { "href?": "string" },
  "next?": { "href?": "string" }, "prev?": { "href?": "string" }, "self?": { "href?": "string" } };
const page = (item) => ({ "data?": arrayOf(item), "limit?": "number", "links?": StoreLinks,
  "page?": "number", "pages?": "number", "total?": "number" });
const DataStoresPage = page(DataStore);
const DataStoreInfo = { id: "string", "name?": "string", "type?": "string" };
const DataAsset = {
  "appId?": "string", appType: "string", "createdBy?": "string", "createdTime?": "string",
  "dataFreshness?": "string", "dataStoreInfo?": DataStoreInfo, "description?": "string",
  "id?": "string", "lastModifiedBy?": "string", "lastModifiedTime?": "string", "name?": "string",
  "ownerId?": "string", "properties?": record, "spaceId?": "string", "tags?": arrayOf("string"),
  "technicalDescription?": "string", technicalName: "string", "tenantId?": "string",
  "version?": "number",
};
const FieldDataType = { "originalType?": "string", "properties?": record, type: oneOf("DATE",
  "TIME", "DATETIME", "TIMESTAMP", "STRING", "DOUBLE", "DECIMAL", "INTEGER", "BOOLEAN", "BINARY",
  "CUSTOM") };
const DataField = { "alias?": "string", dataType: FieldDataType, "description?": "string",
  "encrypted?": "boolean", "index?": "number", name: "string", "nullable?": "boolean",
  "primaryKey?": "boolean", "properties?": record, "sensitive?": "boolean", "tags?": arrayOf("string") };
const Schema = { "anomalies?": arrayOf("string"), dataFields: arrayOf(DataField),
  "effectiveDate?": "string", "loadOptions?": record, "overrideSchemaAnomalies?": "boolean",
  "schemaName?": "string" };
const DataSet = {
  "additionalSchemas?": arrayOf(Schema), "appTypeOverride?": "string", "createdBy?": "string",
  "createdByConnectionId?": "string", "createdTime?": "string",
  dataAssetInfo: { "dataStoreInfo?": DataStoreInfo, id: "string", "name?": "string" },
  "description?": "string", "id?": "string", "lastModifiedBy?": "string",
  "lastModifiedTime?": "string", "name?": "string", "operational?": record, "ownerId?": "string",
  "properties?": record, qri: "string", "schema?": Schema, secureQri: "string",
  "spaceId?": "string", "tags?": arrayOf("string"), "technicalDescription?": "string",
  technicalName: "string", "tenantId?": "string", "type?": "string", "version?": "number",
};
const DataAssetsPage = page(DataAsset);
const DataSetsPage = page(DataSet);

// data-sets.d.ts (profiles)
const DataType = oneOf("DATE", "TIME", "DATETIME", "TIMESTAMP", "STRING", "DOUBLE", "DECIMAL",
  "INTEGER", "BOOLEAN", "BINARY", "CUSTOM");
const DataSetProfile = {
  "meta?": { "computationEndTime?": "string", "computationStartTime?": "string",
    "connectionId?": "string", "dataSetId?": "string", "lastLoadTime?": "string",
    "messages?": arrayOf("string"), "resultType?": oneOf("NORMAL", "BASIC"),
    "status?": oneOf("QUEUED", "RUNNING", "FINISHED", "FAILED", "INCOMPLETE", "CANCELLED", "STALE",
      "PARTIAL", "DEFERRED") },
  "profiles?": arrayOf({ "fieldProfiles?": arrayOf({ "dataType?": DataType, "index?": "number",
    "name?": "string", "nullValueCount?": "number", "distinctValueCount?": "number" }),
  "name?": "string", "numberOfRows?": "number", "sizeInBytes?": "number" }),
  "samples?": arrayOf({ "fieldNames?": arrayOf("string"), "name?": "string",
    "records?": arrayOf({ "values?": arrayOf("string") }) }),
};
const DataSetProfilesPage = page(DataSetProfile);

// -- running one call ----------------------------------------------------------------------------
async function call(name, statuses, shape, run) {
  let resp;
  try {
    resp = await run();
  } catch (err) {
    const detail = err && err.status ? `HTTP ${err.status} ${JSON.stringify(err.data)}` : String(err && err.stack || err);
    throw new Failure(`FAILED ${name}: ${detail}`);
  }
  calls += 1;
  if (!statuses.includes(resp.status)) {
    throw new Failure(`FAILED ${name}: status ${resp.status}, the types promise ${statuses.join(" or ")}`);
  }
  const found = shape === null ? [] : problems(resp.data, shape);
  if (found.length) throw new Failure(`FAILED ${name}: ${found.slice(0, 5).join("; ")}`);
  console.log(`ok ${name}`);
  return resp;
}

function expect(name, condition, why) {
  if (!condition) throw new Failure(`FAILED ${name}: ${why}`);
}

async function refused(name, statuses, run) {
  try {
    const resp = await run();
    throw new Failure(`FAILED ${name}: answered ${resp.status}, expected ${statuses.join(" or ")}`);
  } catch (err) {
    if (err instanceof Failure) throw err;
    calls += 1;
    if (!statuses.includes(err.status)) {
      throw new Failure(`FAILED ${name}: ${err.status ? `status ${err.status}` : err}, expected ${statuses.join(" or ")}`);
    }
    console.log(`ok ${name} (${err.status})`);
  }
}

/** Every item of a list, following `next` (the client's own paging function) page by page. */
async function allPages(name, first, shape, itemsOf) {
  let resp = await call(`${name} page 1`, [200], shape, first);
  const items = [...itemsOf(resp.data)];
  let pages = 1;
  while (resp.next) {
    pages += 1;
    expect(name, pages < 500, "more than 500 pages: next never ends");
    resp = await call(`${name} page ${pages}`, [200], shape, () => resp.next());
    items.push(...itemsOf(resp.data));
  }
  const ids = items.map((i) => i.id);
  expect(name, new Set(ids).size === ids.length, `an item came twice across pages: ${ids}`);
  return { items, pages };
}

async function bytesOf(blob) {
  return Buffer.from(await blob.arrayBuffer());
}

// -- a zip archive (stored, no compression): an extension's .qext, its .js and one more file ----
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function zip(files) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const fname = Buffer.from(name);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(0x21, 12);
    head.writeUInt32LE(crc32(data), 14); head.writeUInt32LE(data.length, 18);
    head.writeUInt32LE(data.length, 22); head.writeUInt16LE(fname.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x21, 14); dir.writeUInt32LE(crc32(data), 16);
    dir.writeUInt32LE(data.length, 20); dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(fname.length, 28); dir.writeUInt32LE(offset, 42);
    locals.push(head, fname, data);
    central.push(dir, fname);
    offset += head.length + fname.length + data.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(locals.length / 3, 8);
  end.writeUInt16LE(locals.length / 3, 10); end.writeUInt32LE(size, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...central, end]);
}

// -- extensions ------------------------------------------------------------------------------------
async function extensionCalls() {
  const qext = { name: `${tag} chart`, type: "visualization", version: "1.0.0", author: "interop" };
  const archive = zip({
    [`${tag}/${tag}.qext`]: JSON.stringify(qext),
    [`${tag}/${tag}.js`]: "define([], function () { return {}; });\n",
    [`${tag}/lib/readme.txt`]: "from @qlik/api\n",
  });
  const created = await call("extensions.uploadExtension", [201], Extension, () =>
    extensions.uploadExtension({ file: new Blob([archive], { type: "application/zip" }),
      data: { tags: ["interop"] } }));
  const id = created.data.id;
  expect("extensions.uploadExtension", typeof id === "string" && created.data.qextFilename === tag,
    `id ${id}, qextFilename ${created.data.qextFilename}`);
  const list = await call("extensions.getExtensions", [200], Extensions, () => extensions.getExtensions());
  expect("extensions.getExtensions", list.data.data.some((e) => e.id === id), "the new extension is not listed");
  const got = await call("extensions.getExtension", [200], Extension, () => extensions.getExtension(id));
  expect("extensions.getExtension", got.data.name === qext.name, `name ${got.data.name}`);
  const patched = await call("extensions.patchExtension", [200], Extension, () =>
    extensions.patchExtension(id, { data: { description: "patched by @qlik/api" } }));
  expect("extensions.patchExtension", patched.data.description === "patched by @qlik/api",
    `description ${patched.data.description}`);
  const byName = await call("extensions.getExtension (by qextFilename)", [200], Extension, () =>
    extensions.getExtension(tag, { noCache: true }));
  expect("extensions.getExtension", byName.data.description === "patched by @qlik/api", "the patch is not kept");
  const download = await call("extensions.downloadExtension", [200], "object", () => extensions.downloadExtension(id));
  expect("extensions.downloadExtension", (await bytesOf(download.data)).equals(archive), "not the archive uploaded");
  const file = await call("extensions.downloadFileFromExtension", [200], null, () =>
    extensions.downloadFileFromExtension(id, `${tag}/lib/readme.txt`));
  const text = typeof file.data === "string" ? file.data : (await bytesOf(file.data)).toString();
  expect("extensions.downloadFileFromExtension", text === "from @qlik/api\n", `got ${JSON.stringify(text)}`);
  await call("extensions.deleteExtension", [204], null, () => extensions.deleteExtension(id));
  await refused("extensions.getExtension (deleted)", [404, 410], () => extensions.getExtension(id, { noCache: true }));
}

// -- temporary contents and data files ------------------------------------------------------------
async function dataFileCalls() {
  const csv = (n) => new Blob([`id,name\n${n},row ${n}\n`], { type: "text/csv" });
  const folder = await call("dataFiles.uploadDataFile (folder)", [201], DataFile, () =>
    dataFiles.uploadDataFile({ Json: { name: `${tag}-folder`, folder: true } }));
  expect("dataFiles.uploadDataFile (folder)", folder.data.folder === true, "not a folder");
  const folderId = folder.data.id;
  const ids = [];
  for (const n of [1, 2, 3]) {
    const made = await call(`dataFiles.uploadDataFile (file ${n})`, [201], DataFile, () =>
      dataFiles.uploadDataFile({ File: csv(n), Json: { name: `${tag}-${n}.csv`, folderId } }));
    expect("dataFiles.uploadDataFile", made.data.folderId === folderId, `folderId ${made.data.folderId}`);
    ids.push(made.data.id);
  }
  // the temporary content a client uploads in one request, made a data file, and downloaded back
  const body = Buffer.from(`id,name\n4,row 4 ${tag}\n`);
  const up = await call("tempContents.uploadTempFile", [201], null, () =>
    tempContents.uploadTempFile({ filename: `${tag}-4.csv`, ttl: 600 }, body));
  const location = up.headers.get("location");
  expect("tempContents.uploadTempFile", location, "no Location header");
  const tempId = new URL(location, host).pathname.replace(/\/+$/, "").split("/").pop();
  const details = await call("tempContents.getTempFileDetails", [200], TempDetails, () =>
    tempContents.getTempFileDetails(tempId));
  expect("tempContents.getTempFileDetails", details.data.Name === `${tag}-4.csv` &&
    details.data.Size === String(body.length) && details.data.TTLSeconds === 600,
  `details ${JSON.stringify(details.data)}`);
  const down = await call("tempContents.downloadTempFile", [200], null, () =>
    tempContents.downloadTempFile(tempId, {}));
  const back = typeof down.data === "string" ? Buffer.from(down.data) : await bytesOf(down.data);
  expect("tempContents.downloadTempFile", back.equals(body), "not the bytes uploaded");
  const fromTemp = await call("dataFiles.uploadDataFile (tempContentFileId)", [201], DataFile, () =>
    dataFiles.uploadDataFile({ Json: { name: `${tag}-4.csv`, folderId, tempContentFileId: tempId } }));
  expect("dataFiles.uploadDataFile (tempContentFileId)", fromTemp.data.size === body.length,
    `size ${fromTemp.data.size}`);
  ids.push(fromTemp.data.id);

  const { items, pages } = await allPages("dataFiles.getDataFiles", () =>
    dataFiles.getDataFiles({ folderId, limit: 3, sort: "name" }), DataFilesPage, (d) => d.data);
  expect("dataFiles.getDataFiles", pages === 2, `${pages} pages for 4 files at limit 3`);
  expect("dataFiles.getDataFiles", JSON.stringify(items.map((i) => i.id).sort()) === JSON.stringify([...ids].sort()),
    `listed ${items.map((i) => i.name)}`);
  const withFolders = await call("dataFiles.getDataFiles (includeFolders, baseNameWildcard)", [200], DataFilesPage, () =>
    dataFiles.getDataFiles({ includeFolders: true, excludeFiles: true, baseNameWildcard: `${tag}*` }));
  expect("dataFiles.getDataFiles (includeFolders)", withFolders.data.data.length === 1 &&
    withFolders.data.data[0].id === folderId, `listed ${withFolders.data.data.map((i) => i.name)}`);

  const got = await call("dataFiles.getDataFile", [200], DataFile, () => dataFiles.getDataFile(ids[0]));
  // a file's name carries its folder's path; baseName is the name alone
  expect("dataFiles.getDataFile", got.data.name === `${tag}-folder/${tag}-1.csv` &&
    got.data.baseName === `${tag}-1.csv` && got.data.folderPath === `${tag}-folder`,
  `name ${got.data.name}, baseName ${got.data.baseName}, folderPath ${got.data.folderPath}`);
  const replaced = await call("dataFiles.reuploadDataFile", [201], DataFile, () =>
    dataFiles.reuploadDataFile(ids[0], { File: csv(11), Json: { name: `${tag}-folder/${tag}-1b.csv` } }));
  expect("dataFiles.reuploadDataFile", replaced.data.baseName === `${tag}-1b.csv` &&
    replaced.data.id === ids[0] && replaced.data.size === "id,name\n11,row 11\n".length,
  `got ${replaced.data.name} ${replaced.data.id} ${replaced.data.size}`);
  await call("dataFiles.getDataFilesQuotas", [200], Quota, () => dataFiles.getDataFilesQuotas());
  const conns = await call("dataFiles.getDataFilesConnections", [200], ConnectionsPage, () =>
    dataFiles.getDataFilesConnections({ limit: 5 }));
  if (conns.data.data.length) {
    await call("dataFiles.getDataFileConnection", [200], Connection, () =>
      dataFiles.getDataFileConnection(conns.data.data[0].id));
  }
  // the actions: a new owner (the one there is), to a team space and back in a batch
  await call("dataFiles.changeDataFileOwner", [204], null, () =>
    dataFiles.changeDataFileOwner(ids[1], { ownerId: got.data.ownerId }));
  const space = conns.data.data.find((c) => c.spaceId)?.spaceId;
  if (space) {
    await call("dataFiles.moveDataFile", [204], null, () => dataFiles.moveDataFile(ids[1], { spaceId: space }));
    const moved = await call("dataFiles.getDataFile (moved)", [200], DataFile, () =>
      dataFiles.getDataFile(ids[1], { noCache: true }));
    expect("dataFiles.moveDataFile", moved.data.spaceId === space, `spaceId ${moved.data.spaceId}`);
    const back = await call("dataFiles.moveDataFiles", [207], MultiStatus, () =>
      dataFiles.moveDataFiles({ "change-space": [{ id: ids[1], spaceId: null }] }));
    expect("dataFiles.moveDataFiles", back.data.data.length === 1 && back.data.data[0].status === 204,
      `items ${JSON.stringify(back.data.data)}`);
  }
  await call("dataFiles.deleteDataFile", [204], null, () => dataFiles.deleteDataFile(ids[0]));
  await refused("dataFiles.getDataFile (deleted)", [404], () => dataFiles.getDataFile(ids[0], { noCache: true }));
  const batch = await call("dataFiles.deleteDataFiles", [207], MultiStatus, () =>
    dataFiles.deleteDataFiles({ delete: ids.slice(1).map((id) => ({ id })) }));
  expect("dataFiles.deleteDataFiles", batch.data.data.length === 3 &&
    batch.data.data.every((item) => item.status === 204 && ids.includes(item.id)),
  `items ${JSON.stringify(batch.data.data)}`);
  await call("dataFiles.deleteDataFile (folder)", [204], null, () => dataFiles.deleteDataFile(folderId));
}

// -- data stores -----------------------------------------------------------------------------------
async function dataStoreCalls() {
  const ids = [];
  for (const n of [1, 2, 3]) {
    const made = await call(`dataStores.createDataStore (${n})`, [201], DataStore, () =>
      dataStores.createDataStore({ name: `${tag} store ${n}`, technicalName: `${tag}_${n}`,
        type: "interop", description: "from @qlik/api", tags: ["interop"],
        properties: { origin: "qlik-api", n } }));
    expect("dataStores.createDataStore", typeof made.data.id === "string", "no id");
    ids.push(made.data.id);
  }
  const { items } = await allPages("dataStores.getDataStores", () =>
    dataStores.getDataStores({ limit: 2 }), DataStoresPage, (d) => d.data || []);
  const listed = items.map((i) => i.id);
  expect("dataStores.getDataStores", ids.every((id) => listed.includes(id)), `listed ${listed}`);
  const total = await call("dataStores.getDataStores (total)", [200], DataStoresPage, () =>
    dataStores.getDataStores({ limit: 100 }, { noCache: true }));
  expect("dataStores.getDataStores", total.data.total === undefined || total.data.total === items.length,
    `total ${total.data.total}, ${items.length} items across the pages`);

  const got = await call("dataStores.getDataStore", [200], DataStore, () => dataStores.getDataStore(ids[0], {}));
  expect("dataStores.getDataStore", got.data.technicalName === `${tag}_1`, `technicalName ${got.data.technicalName}`);
  const { createdBy, createdTime, lastModifiedBy, lastModifiedTime, tenantId, ...writable } = got.data;
  void createdBy, createdTime, lastModifiedBy, lastModifiedTime, tenantId;
  const put = await call("dataStores.updateDataStore", [200], DataStore, () =>
    dataStores.updateDataStore(ids[0], { ...writable, description: "updated by PUT" }));
  expect("dataStores.updateDataStore", put.data.description === "updated by PUT", `description ${put.data.description}`);
  const patched = await call("dataStores.patchDataStore", [200, 204], DataStore, () =>
    dataStores.patchDataStore(ids[0], [{ op: "replace", path: "/name", value: `${tag} renamed` },
      { op: "add", path: "/tags/-", value: "patched" }]));
  expect("dataStores.patchDataStore", patched.data.name === `${tag} renamed` && patched.data.tags.includes("patched"),
    `got ${JSON.stringify(patched.data)}`);
  const again = await call("dataStores.getDataStore (after patch)", [200], DataStore, () =>
    dataStores.getDataStore(ids[0], {}, { noCache: true }));
  expect("dataStores.getDataStore (after patch)", again.data.name === `${tag} renamed` &&
    again.data.description === "updated by PUT", `got ${JSON.stringify(again.data)}`);
  const assets = await call("dataStores.getDataStoreDataAssets", [200], DataAssetsPage, () =>
    dataStores.getDataStoreDataAssets(ids[0], { limit: 5 }));
  expect("dataStores.getDataStoreDataAssets", (assets.data.data || []).length === 0, "a new store has data assets");
  // the catalog below a store the tenant already has (the emulator's --seed): pages of one item
  const seeded = items.find((i) => !ids.includes(i.id));
  if (seeded) {
    const found = await allPages("dataStores.getDataStoreDataAssets (seeded)", () =>
      dataStores.getDataStoreDataAssets(seeded.id, { limit: 1 }), DataAssetsPage, (d) => d.data || []);
    expect("dataStores.getDataStoreDataAssets (seeded)", found.items.length >= 1, "no data assets");
    const asset = found.items[0];
    const sets = await allPages("dataStores.getDataStoreDataAssetDataSets", () =>
      dataStores.getDataStoreDataAssetDataSets(seeded.id, asset.id, { limit: 1 }), DataSetsPage,
    (d) => d.data || []);
    expect("dataStores.getDataStoreDataAssetDataSets", sets.items.length >= 1 &&
      sets.items.every((d) => d.dataAssetInfo.id === asset.id), `data sets ${JSON.stringify(sets.items)}`);
  }
  await call("dataStores.deleteDataStores", [204], null, () => dataStores.deleteDataStores({ ids }));
  await refused("dataStores.getDataStore (deleted)", [404], () => dataStores.getDataStore(ids[0], {}, { noCache: true }));
}

// -- the catalog's data assets and data sets, in a data store of their own ----------------------
/** A document as a client sends it back: without what the server sets (readOnly in the spec). */
function writable(doc) {
  const { createdBy, createdTime, lastModifiedBy, lastModifiedTime, tenantId, ...rest } = doc;
  void createdBy, createdTime, lastModifiedBy, lastModifiedTime, tenantId;
  return rest;
}

async function catalogCalls() {
  const store = await call("dataStores.createDataStore (catalog)", [201], DataStore, () =>
    dataStores.createDataStore({ name: `${tag} catalog`, technicalName: `${tag}_catalog`, type: "interop" }));
  const storeId = store.data.id;
  const asset = await call("dataAssets.createDataAsset", [201], DataAsset, () =>
    dataAssets.createDataAsset({ name: `${tag} asset`, technicalName: `${tag}_asset`, appType: "QIX-DF",
      tags: ["interop"], dataStoreInfo: { id: storeId } }));
  const assetId = asset.data.id;
  expect("dataAssets.createDataAsset", asset.data.dataStoreInfo.id === storeId,
    `dataStoreInfo ${JSON.stringify(asset.data.dataStoreInfo)}`);
  const listed = await call("dataStores.getDataStoreDataAssets (created)", [200], DataAssetsPage, () =>
    dataStores.getDataStoreDataAssets(storeId, {}, { noCache: true }));
  expect("dataStores.getDataStoreDataAssets (created)",
    (listed.data.data || []).map((a) => a.id).join() === assetId, "the new data asset is not listed in its store");
  const got = await call("dataAssets.getDataAsset", [200], DataAsset, () => dataAssets.getDataAsset(assetId, {}));
  expect("dataAssets.getDataAsset", got.data.technicalName === `${tag}_asset`, `got ${JSON.stringify(got.data)}`);
  const { dataStoreInfo, ...assetFields } = writable(got.data);
  const put = await call("dataAssets.updateDataAsset", [200], DataAsset, () =>
    dataAssets.updateDataAsset(assetId, { ...assetFields, dataStoreInfo: { id: dataStoreInfo.id },
      description: "updated by PUT" }));
  expect("dataAssets.updateDataAsset", put.data.description === "updated by PUT" && put.data.version === got.data.version + 1,
    `got ${JSON.stringify(put.data)}`);
  const patched = await call("dataAssets.patchDataAsset", [200, 204], DataAsset, () =>
    dataAssets.patchDataAsset(assetId, [{ op: "replace", path: "/name", value: `${tag} renamed` }]));
  expect("dataAssets.patchDataAsset", patched.data.name === `${tag} renamed`, `got ${JSON.stringify(patched.data)}`);

  const set = await call("dataSets.createDataSet", [201], DataSet, () =>
    dataSets.createDataSet({ name: `${tag}.csv`, technicalName: `${tag}_set`, type: "delimited",
      qri: `qdf:interop:t:sid@x:${tag}.csv`, secureQri: `qri:interop:${tag}`,
      dataAssetInfo: { id: assetId }, operational: { rowCount: 3, size: 42 },
      schema: { dataFields: [{ name: "id", dataType: { type: "INTEGER" } },
        { name: "city", dataType: { type: "STRING" } }] } }));
  const setId = set.data.id;
  expect("dataSets.createDataSet", set.data.dataAssetInfo.id === assetId, `dataAssetInfo ${JSON.stringify(set.data.dataAssetInfo)}`);
  const sets = await call("dataStores.getDataStoreDataAssetDataSets (created)", [200], DataSetsPage, () =>
    dataStores.getDataStoreDataAssetDataSets(storeId, assetId, {}, { noCache: true }));
  expect("dataStores.getDataStoreDataAssetDataSets (created)",
    (sets.data.data || []).map((d) => d.id).join() === setId, "the new data set is not listed under its asset");
  const gotSet = await call("dataSets.getDataSet", [200], DataSet, () => dataSets.getDataSet(setId, {}));
  const { dataAssetInfo, ...setFields } = writable(gotSet.data);
  const putSet = await call("dataSets.updateDataSet", [200], DataSet, () =>
    dataSets.updateDataSet(setId, { ...setFields, dataAssetInfo: { id: dataAssetInfo.id }, description: "PUT" }));
  expect("dataSets.updateDataSet", putSet.data.description === "PUT", `got ${JSON.stringify(putSet.data)}`);
  const patchedSet = await call("dataSets.patchDataSet", [200, 204], DataSet, () =>
    dataSets.patchDataSet(setId, [{ op: "add", path: "/tags", value: ["patched"] }]));
  expect("dataSets.patchDataSet", JSON.stringify(patchedSet.data.tags) === '["patched"]', `got ${JSON.stringify(patchedSet.data)}`);
  const profiles = await call("dataSets.getDataSetProfiles", [200, 202], DataSetProfilesPage, () =>
    dataSets.getDataSetProfiles(setId, {}));
  const fields = (profiles.data.data || [])[0]?.profiles?.[0]?.fieldProfiles || [];
  expect("dataSets.getDataSetProfiles", fields.map((f) => f.name).join() === "id,city",
    `got ${JSON.stringify(profiles.data)}`);

  await call("dataSets.deleteDataSets", [204], null, () => dataSets.deleteDataSets({ ids: [setId] }));
  await refused("dataSets.getDataSet (deleted)", [404], () => dataSets.getDataSet(setId, {}, { noCache: true }));
  await call("dataAssets.deleteDataAssets", [204], null, () => dataAssets.deleteDataAssets({ ids: [assetId] }));
  await refused("dataAssets.getDataAsset (deleted)", [404], () => dataAssets.getDataAsset(assetId, {}, { noCache: true }));
  await call("dataStores.deleteDataStores (catalog)", [204], null, () => dataStores.deleteDataStores({ ids: [storeId] }));
}

try {
  await extensionCalls();
  await dataFileCalls();
  await dataStoreCalls();
  await catalogCalls();
} catch (err) {
  console.error(err instanceof Failure ? err.message : `FAILED (the script itself): ${err && err.stack || err}`);
  process.exit(1);
}
console.log(`calls: ${calls}`);
