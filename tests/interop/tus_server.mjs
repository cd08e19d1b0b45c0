// @tus/server + @tus/file-store on loopback, for qcli's interop tests and upload benchmark.
// usage: node tus_server.mjs DIRECTORY  -> prints the port on stdout once listening
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

const directory = process.argv[2]
const server = new Server({
  path: '/api/v1/temp-contents/files',
  datastore: new FileStore({ directory }),
})
const http = server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${http.address().port}\n`)
})
process.on('SIGTERM', () => http.close(() => process.exit(0)))
