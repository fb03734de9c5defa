/** TLS material for tests: certificates from the openssl CLI, and a Secret volume the kubelet's way. */
export { type Ca, issue, type LeafOptions, makeCa, type Pem } from "./openssl-certs";
export { podSecret, type PodSecret } from "./pod-secret";
export { type SecretFiles, writeSecretVolume } from "./secret-volume";
