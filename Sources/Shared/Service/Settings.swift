import ArgumentParser
import Foundation
import Logging

/// A setting that could not be used, naming the flag and variable and how to fix it.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where a setting comes from: the flag if given, else its `HARMRANK_*` variable, else the default.
public struct SettingSource: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func value(_ flag: String?, _ variable: String) -> String? {
        if let flag { return flag }
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }

    /// A whole number of at least `minimum` (0 or 1) from the flag called `name` if given, else from `variable`;
    /// nil when neither is set.
    public func wholeNumber(_ flag: String?, _ name: String, _ variable: String, atLeast minimum: Int = 1) throws -> Int? {
        guard let text = value(flag, variable) else { return nil }
        guard let number = Int(text), number >= minimum else {
            throw ConfigurationError(
                "\(name) / \(variable) '\(text)': use a whole number \(minimum == 0 ? "(0 or more)" : "of at least \(minimum)")")
        }
        return number
    }

    /// The data directory: `--data-dir`, `HARMRANK_DATA_DIR`, or `./.harmrank`.
    public func dataDirectory(_ flag: String?) -> URL {
        URL(fileURLWithPath: value(flag, "HARMRANK_DATA_DIR") ?? ".harmrank", isDirectory: true)
    }
}

/// How to reach Kafka, shared by the services and every `harmrank` command that talks to a broker.
public struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port...] (HARMRANK_BOOTSTRAP; default: bootstrap.txt in the data dir, as written by 'harmrank broker').")
    public var bootstrap: String?

    @Option(help: "Prefix of every topic name (HARMRANK_TOPIC_PREFIX; default 'harmrank.').")
    public var topicPrefix: String?

    @Option(
        name: .customLong("kafka-property"), parsing: .singleValue,
        help: "A librdkafka property as name=value, repeatable, e.g. security.protocol=SASL_SSL (or HARMRANK_KAFKA_<NAME> with dots as underscores: HARMRANK_KAFKA_SECURITY_PROTOCOL).")
    public var kafkaProperties: [String] = []

    @Option(help: "Directory for state files, bootstrap.txt and tokens.txt (HARMRANK_DATA_DIR; default ./.harmrank).")
    public var dataDir: String?

    public init() {}

    public func topics(_ source: SettingSource = SettingSource()) -> TopicCatalogue {
        TopicCatalogue(prefix: source.value(topicPrefix, "HARMRANK_TOPIC_PREFIX") ?? "harmrank.")
    }

    public func kafkaConfiguration(clientID: String, _ source: SettingSource = SettingSource()) throws
        -> KafkaConfiguration
    {
        KafkaConfiguration(
            bootstrapServers: try bootstrapServers(source), clientID: clientID, properties: try properties(source))
    }

    func bootstrapServers(_ source: SettingSource) throws -> String {
        if let servers = source.value(bootstrap, "HARMRANK_BOOTSTRAP") { return servers }
        let file = source.dataDirectory(dataDir).appendingPathComponent("bootstrap.txt")
        if let text = try? String(contentsOf: file, encoding: .utf8),
            !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw ConfigurationError(
            "no Kafka bootstrap servers: pass --bootstrap host:port, set HARMRANK_BOOTSTRAP, or start 'harmrank broker' (it writes \(file.path))")
    }

    func properties(_ source: SettingSource) throws -> [String: String] {
        var properties: [String: String] = [:]
        for (variable, value) in source.environment where variable.hasPrefix("HARMRANK_KAFKA_") {
            let name = variable.dropFirst("HARMRANK_KAFKA_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            properties[name] = value
        }
        for property in kafkaProperties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ConfigurationError("--kafka-property '\(property)': expected name=value, e.g. security.protocol=SSL")
            }
            properties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return properties
    }
}

extension Logger.Level {
    /// Parses `--log-level` / `HARMRANK_LOG_LEVEL`.
    public init(setting: String?) throws {
        guard let setting else {
            self = .info
            return
        }
        guard let level = Logger.Level(rawValue: setting.lowercased()) else {
            throw ConfigurationError(
                "--log-level / HARMRANK_LOG_LEVEL '\(setting)': use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = level
    }
}
