import Logging

/// Logging for the commands whose own output is what matters (`publish`, `consume`, `bench`, `chaos`): warnings and
/// errors only, on standard error; returns a logger labelled `label`.
func quietLogging(_ label: String) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    return Logger(label: label)
}
