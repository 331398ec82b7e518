import CKafka

extension KafkaMessage {
    /// The message librdkafka delivered in `message` (which the caller still owns and destroys), read from
    /// `topic`.
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let native = message.pointee
        self.init(
            topic: topic,
            partition: native.partition,
            offset: native.offset,
            key: native.key.map { Array(UnsafeRawBufferPointer(start: $0, count: native.key_len)) },
            value: native.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: native.len)) },
            headers: Self.headers(of: message),
            timestampMilliseconds: Self.timestamp(of: message))
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var native: OpaquePointer?
        guard rd_kafka_message_headers(message, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native else { return [] }
        var headers: [KafkaHeader] = []
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        var index = 0
        while rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            headers.append(KafkaHeader(name.map { String(cString: $0) } ?? "", bytes))
            index += 1
        }
        return headers
    }

    private static func timestamp(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : milliseconds
    }
}
