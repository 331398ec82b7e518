import ArgumentParser

@main
struct HarmRankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harmrank",
        abstract: "HarmRank: police harm rankings (Cambridge Crime Harm Index) kept current as crimes are reported.",
        subcommands: [
            UpCommand.self, BrokerCommand.self, GenerateCommand.self, PublishCommand.self, TopCommand.self, CreateTopicsCommand.self, ConsumeCommand.self, ImportHarmTableCommand.self,
            ImportPoliceUKCommand.self, EvaluateHotspotsCommand.self, ForecastCommand.self, FairnessCommand.self, TokenCommand.self, AuditCommand.self,
            BenchCommand.self, BenchKafkaCommand.self, BenchFailoverCommand.self, BenchForecastCommand.self, ChaosCommand.self,
        ])
}
