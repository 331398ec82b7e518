import Shared

enum ScoreService: ServiceDefinition {
    static let abstract = "Keeps each entity's rolling 365-day harm window and publishes its scores."
    static let identity = ServiceIdentity(name: "ScoreService", defaultPort: 8083, defaultGroup: "harmrank-score") { topics in
        [topics.linksSuspect, topics.linksPlace]
    }
}

await ServiceCommand<ScoreService>.start()
