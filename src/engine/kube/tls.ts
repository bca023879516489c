/** The API server's TLS material, as the service dir keeps it and clients trust it. */
export interface TlsMaterial {
  /** PEM */
  caCert: string;
  /** PEM; signed by caCert, SANs 127.0.0.1 and localhost. */
  cert: string;
  /** PEM */
  key: string;
}
