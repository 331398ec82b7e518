# One image for every HarmRank executable: docker-compose picks the command.
ARG SWIFT_VERSION=6.1

FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka-dev libsqlite3-dev libxgboost-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
COPY Benchmarks Benchmarks
RUN swift build -c release --static-swift-stdlib \
 && mkdir /out \
 && cp .build/release/harmrank .build/release/IngestService .build/release/ScoreService \
       .build/release/RankService .build/release/NotifyService /out/ \
 && (cp -R .build/release/*.resources /out/ 2>/dev/null || true)

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 libsqlite3-0 libxgboost0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data harmrank \
 && mkdir /data && chown harmrank /data
COPY --from=build /out/ /usr/local/bin/
USER harmrank
ENV HARMRANK_DATA_DIR=/data \
    HARMRANK_HTTP_HOST=0.0.0.0
VOLUME /data
CMD ["harmrank", "--help"]
