// A Node.js client of the suite, written as a new user would: proto-loader on protos/, grpc-js over
// HTTP/2 cleartext. Calls dispatch.v1.DispatchService/ListUnits and prints one JSON line:
// {"code":0,"units":N} or {"code":<grpc status>,"details":"..."}.
// Usage: node grpc-js-client.js <protos dir> <host:port> [token]
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protos, address, token] = process.argv.slice(2);
const definition = protoLoader.loadSync('dispatch/v1/dispatch.proto', { includeDirs: [protos], arrays: true });
const { DispatchService } = grpc.loadPackageDefinition(definition).dispatch.v1;
const client = new DispatchService(address, grpc.credentials.createInsecure());

const metadata = new grpc.Metadata();
if (token) {
  metadata.set('authorization', `Bearer ${token}`);
}
client.ListUnits({}, metadata, { deadline: Date.now() + 15000 }, (error, response) => {
  console.log(JSON.stringify(error ? { code: error.code, details: error.details } : { code: 0, units: response.units.length }));
  client.close();
});
