import Shared

enum RankService: ServiceDefinition {
    static let abstract = "Orders the ranked lists, publishes snapshots and serves the lists API and dashboard."
    static let identity = ServiceIdentity(name: "RankService", defaultPort: 8080, defaultGroup: "harmrank-rank") { topics in
        [topics.scoresSuspect, topics.scoresPlace]
    }
}

await ServiceCommand<RankService>.start()
