# syntax=docker/dockerfile:1
#
# ChurnStream container image.
#
#   docker build -t churnstream .
#   docker run --rm -p 9464:9464 churnstream run --bootstrap-servers kafka:9092
#   docker stop -t 15 <container>     # SIGTERM: finishes open work, leaves the group, exits within 10 s
#
# Runtime base: Debian 12 (bookworm), because the service loads the native librdkafka from Debian's
# librdkafka1 package (src/ChurnStream.Kafka/Native/LibrdkafkaNative.cs maps to librdkafka.so.1).
# Microsoft publishes no Debian images for .NET 10 (no 10.0-bookworm-slim tag: the .NET 10 images are
# Ubuntu, Alpine and Azure Linux), so the runtime stage starts from debian:bookworm-slim and copies the
# .NET runtime (Microsoft.NETCore.App; the service is a plain Microsoft.NET.Sdk console app) out of the
# official runtime image. Debian 12 is a supported OS for .NET 10.

ARG DOTNET_VERSION=10.0

# ---------------------------------------------------------------------------------------------------------
# The .NET runtime, taken from the official image (portable glibc build; same layout on amd64 and arm64).
FROM mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION} AS dotnet-runtime

# ---------------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1

# Restore first, from the project files alone, so that the restore layer is cached across source edits.
# Confluent.Kafka 1.9.3 comes in through <PackageDownload> in Directory.Build.targets.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY src/ChurnStream/ChurnStream.csproj src/ChurnStream/
COPY src/ChurnStream.Domain/ChurnStream.Domain.csproj src/ChurnStream.Domain/
COPY src/ChurnStream.EmbeddedBroker/ChurnStream.EmbeddedBroker.csproj src/ChurnStream.EmbeddedBroker/
COPY src/ChurnStream.Kafka/ChurnStream.Kafka.csproj src/ChurnStream.Kafka/
COPY src/ChurnStream.Model/ChurnStream.Model.csproj src/ChurnStream.Model/
COPY src/ChurnStream.Observability/ChurnStream.Observability.csproj src/ChurnStream.Observability/
COPY src/ChurnStream.Simulation/ChurnStream.Simulation.csproj src/ChurnStream.Simulation/
RUN dotnet restore src/ChurnStream/ChurnStream.csproj

# config/appsettings.json is linked into the output by src/ChurnStream/ChurnStream.csproj.
COPY config/ config/
COPY src/ src/
RUN dotnet publish src/ChurnStream/ChurnStream.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# ---------------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# .NET runtime dependencies (no libicu: the project builds with InvariantGlobalization), librdkafka1 for
# Confluent.Kafka, and curl for the HEALTHCHECK.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        libc6 \
        libgcc-s1 \
        librdkafka1 \
        libssl3 \
        libstdc++6 \
        tzdata \
        zlib1g \
    && rm -rf /var/lib/apt/lists/*

COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet

# A fixed numeric, non-root user, so Kubernetes' runAsNonRoot can verify it (k8s/base/deployment.yaml).
RUN groupadd --system --gid 10001 churnstream \
    && useradd --system --uid 10001 --gid churnstream --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin churnstream

ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1

WORKDIR /app
COPY --from=build --chown=root:root /app /app

USER 10001:10001

# /metrics (Prometheus text 0.0.4), /healthz (liveness), /readyz (readiness): Observability:Listen.
EXPOSE 9464

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9464/healthz"]

# SIGTERM (the default stop signal) reaches dotnet directly as PID 1 (exec form).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/churnstream.dll"]
CMD ["run"]
