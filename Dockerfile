# The `quarry` image for docker-compose.yml. Build: `docker build -t quarry .` (not built in this
# repository's CI, which has no container engine). The build stage runs the same scripts/bootstrap
# as a developer machine (Debian packages, the embedding model), then a release build and the web UI.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
RUN QUARRY_CACHE=/opt/quarry scripts/bootstrap \
 && swift build -c release --product quarry --static-swift-stdlib \
 && scripts/build-ui /src/.build/ui

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpoppler-glib8 libxml2 libcurl4 libmongoc-1.0-0 libhiredis0.14 libopenblas0 libsqlite3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/quarry /usr/local/bin/quarry
COPY --from=build /opt/quarry/models /opt/quarry/models
COPY --from=build /src/.build/ui /usr/share/quarry/ui
ENV QUARRY_MODEL_DIR=/opt/quarry/models/all-MiniLM-L6-v2
ENV QUARRY_UI_DIR=/usr/share/quarry/ui
# No libmongoc statistics in /dev/shm: a killed process would leave its file behind (Makefile).
ENV MONGOC_DISABLE_SHM=1
# The data directory (the API's signing secret; the queue and stores when embedded) belongs to the
# unprivileged user the processes run as; a named volume mounted there inherits that.
RUN mkdir -p /var/lib/quarry && chown nobody /var/lib/quarry
USER nobody
ENTRYPOINT []
