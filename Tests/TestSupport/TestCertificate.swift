import Crypto
import Foundation
import SwiftASN1
import X509

/// A self-signed certificate for `localhost` and 127.0.0.1 with its key, as PEM files, for serving HTTPS in tests;
/// a client trusts it by taking the certificate file as its CA.
public struct TestCertificate: Sendable {
    public let certificateFile: URL
    public let keyFile: URL

    /// Writes `certificate.pem` and `key.pem` into `directory`.
    public init(in directory: URL) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("localhost") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(key))
        certificateFile = directory.appendingPathComponent("certificate.pem")
        keyFile = directory.appendingPathComponent("key.pem")
        try certificate.serializeAsPEM().pemString.write(to: certificateFile, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
    }
}
