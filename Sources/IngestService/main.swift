import Shared

enum IngestService: ServiceDefinition {
    static let abstract = "Validates offence records, keeps their versions and turns revisions into suspect and place links."
    static let identity = ServiceIdentity(name: "IngestService", defaultPort: 8081, defaultGroup: "harmrank-ingest") { topics in
        [topics.offencesRaw]
    }
}

await ServiceCommand<IngestService>.start()
