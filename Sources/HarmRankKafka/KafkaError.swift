import CKafka

/// A failure reported by librdkafka. It keeps librdkafka's own error code and text, so an operator can look the
/// code up in librdkafka's documentation, and says what HarmRank was doing when it happened.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative for client-side errors, Kafka protocol codes otherwise).
    public let code: Int32
    /// librdkafka's symbolic name for the code, such as `_MSG_TIMED_OUT` or `UNKNOWN_TOPIC_OR_PART`.
    public let name: String
    /// librdkafka's text, or the configuration error it reported.
    public let message: String
    /// What HarmRank was doing.
    public let context: String

    init(_ error: rd_kafka_resp_err_t, context: String) {
        self.code = error.rawValue
        self.name = String(cString: rd_kafka_err2name(error))
        self.message = String(cString: rd_kafka_err2str(error))
        self.context = context
    }

    /// An error that librdkafka described in an `errstr` buffer (configuration, handle creation).
    init(code: rd_kafka_resp_err_t = RD_KAFKA_RESP_ERR__INVALID_ARG, message: String, context: String) {
        self.code = code.rawValue
        self.name = String(cString: rd_kafka_err2name(code))
        self.message = message
        self.context = context
    }

    /// The text librdkafka wrote into an `errstr` buffer (NUL-terminated).
    static func text(of buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }

    /// What HarmRank was doing, librdkafka's message, and the error's name and code.
    public var description: String {
        "\(context): \(message) (librdkafka \(name), code \(code))"
    }

    /// Throws unless librdkafka reported success.
    static func check(_ error: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws(KafkaError) {
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(error, context: context()) }
    }
}
