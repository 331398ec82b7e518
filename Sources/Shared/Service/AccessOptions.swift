import ArgumentParser
import Foundation
import HummingbirdTLS
import NIOSSL

/// Who may call a service and how the call travels: bearer tokens from a file, JWTs from the force's identity
/// provider, and TLS for the API.
public struct AccessOptions: ParsableArguments {
    @Option(help: "Bearer tokens file: '<token> <principal> <role>[,<role>]' per line, or 'sha256:<hex>' in place of the token (HARMRANK_TOKENS_FILE, or the entries themselves in HARMRANK_TOKENS; default tokens.txt in the data dir; optional with --jwks).")
    public var tokensFile: String?

    @Option(help: "The identity provider's signing keys: a JWKS file, or its https jwks_uri (HARMRANK_JWKS; default none: tokens file only). Bearer JWTs (RS256 or ES256) are then accepted beside the tokens file.")
    public var jwks: String?

    @Option(help: "The 'iss' the identity provider's tokens carry (HARMRANK_JWT_ISSUER; required with --jwks).")
    public var issuer: String?

    @Option(help: "A value the tokens' 'aud' must hold: HarmRank's client id at the provider (HARMRANK_JWT_AUDIENCE; required with --jwks).")
    public var audience: String?

    @Option(help: "Dotted path of the claim holding the roles, e.g. realm_access.roles (HARMRANK_JWT_ROLES_CLAIM; default roles). Values naming no HarmRank role are ignored.")
    public var rolesClaim: String?

    @Option(help: "Dotted path of the claim naming the caller in the audit log, e.g. preferred_username (HARMRANK_JWT_PRINCIPAL_CLAIM; default sub, or preferred_username when a token has no sub).")
    public var principalClaim: String?

    @Option(help: "Minutes between readings of the provider's keys, so rotated keys are taken up (HARMRANK_JWKS_REFRESH_MINUTES; default 10).")
    public var jwksRefreshMinutes: String?

    @Option(help: "PEM certificate chain to serve HTTPS with; needs --tls-key (HARMRANK_TLS_CERT; default none: plain HTTP).")
    public var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert; keep it readable by the service's account only (HARMRANK_TLS_KEY).")
    public var tlsKey: String?

    public init() {}

    func tokens(_ source: SettingSource, dataDirectory: URL, identityProvider: Bool) throws -> TokenRegistry {
        if let path = source.value(tokensFile, "HARMRANK_TOKENS_FILE") { return try TokenRegistry(contentsOf: path) }
        if let entries = source.environment["HARMRANK_TOKENS"], !entries.isEmpty {
            return try TokenRegistry(parsing: entries, source: "HARMRANK_TOKENS")
        }
        let file = dataDirectory.appendingPathComponent("tokens.txt")
        guard FileManager.default.fileExists(atPath: file.path) else {
            if identityProvider { return try TokenRegistry(parsing: "", source: "no tokens file") }
            throw ConfigurationError(
                "no bearer tokens: pass --tokens-file FILE or set HARMRANK_TOKENS_FILE (one '<token> <principal> <role>[,<role>]' per line), or accept the identity provider's JWTs with --jwks; 'harmrank up' writes \(file.path) for development")
        }
        return try TokenRegistry(contentsOf: file.path)
    }

    func identityProvider(_ source: SettingSource) throws -> IdentityProviderSettings? {
        guard let location = source.value(jwks, "HARMRANK_JWKS") else {
            for (flag, variable) in [(issuer, "HARMRANK_JWT_ISSUER"), (audience, "HARMRANK_JWT_AUDIENCE")]
            where source.value(flag, variable) != nil {
                throw ConfigurationError("\(variable) is set but --jwks / HARMRANK_JWKS is not: give the identity provider's keys too")
            }
            return nil
        }
        let keys: IdentityProviderSettings.KeySource
        if location.hasPrefix("https://") || location.hasPrefix("http://") {
            guard let url = URL(string: location), url.host != nil else {
                throw ConfigurationError("--jwks / HARMRANK_JWKS '\(location)' is not a valid address")
            }
            keys = .url(url)
        } else {
            keys = .file(location)
        }
        guard let issuer = source.value(issuer, "HARMRANK_JWT_ISSUER") else {
            throw ConfigurationError("--issuer / HARMRANK_JWT_ISSUER is required with --jwks: the 'iss' of the provider's tokens")
        }
        guard let audience = source.value(audience, "HARMRANK_JWT_AUDIENCE") else {
            throw ConfigurationError("--audience / HARMRANK_JWT_AUDIENCE is required with --jwks: HarmRank's client id at the provider")
        }
        let minutes = try source.wholeNumber(jwksRefreshMinutes, "--jwks-refresh-minutes", "HARMRANK_JWKS_REFRESH_MINUTES") ?? 10
        return IdentityProviderSettings(
            keys: keys, issuer: issuer, audience: audience,
            rolesClaim: try claimPath(source.value(rolesClaim, "HARMRANK_JWT_ROLES_CLAIM") ?? "roles", "--roles-claim"),
            principalClaim: try claimPath(
                source.value(principalClaim, "HARMRANK_JWT_PRINCIPAL_CLAIM") ?? "sub", "--principal-claim"),
            refreshInterval: .seconds(minutes * 60))
    }

    private func claimPath(_ path: String, _ flag: String) throws -> String {
        guard !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw ConfigurationError("\(flag) '\(path)': use a claim name, or names joined by dots for a nested claim")
        }
        return path
    }

    func tls(_ source: SettingSource) throws -> TLSConfiguration? {
        let certificate = source.value(tlsCert, "HARMRANK_TLS_CERT")
        let key = source.value(tlsKey, "HARMRANK_TLS_KEY")
        guard let certificate, let key else {
            if certificate != nil || key != nil {
                throw ConfigurationError("--tls-cert and --tls-key (HARMRANK_TLS_CERT, HARMRANK_TLS_KEY) go together: give both, or neither for plain HTTP")
            }
            return nil
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw ConfigurationError("--tls-cert / HARMRANK_TLS_CERT '\(certificate)' holds no PEM certificate: \(error)")
        }
        guard !chain.isEmpty else {
            throw ConfigurationError("--tls-cert / HARMRANK_TLS_CERT '\(certificate)' holds no PEM certificate")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ConfigurationError("--tls-key / HARMRANK_TLS_KEY '\(key)' holds no PEM private key: \(error)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError("--tls-key / HARMRANK_TLS_KEY '\(key)' does not go with the certificate in '\(certificate)': \(error)")
        }
        return configuration
    }
}
