# syntax=docker/dockerfile:1
# One recipe for every .NET service image; the build context is the repository root and compose passes the project:
#   docker build --build-arg PROJECT=services/Intake/Intake.csproj -t suite/intake .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY libs/ libs/
COPY services/ services/
COPY gateway/ gateway/
# The package cache outlives the layer, so a source edit does not download packages again.
# No --no-restore: should a host's bin/ or obj/ slip into the context, restore rewrites the copied assets file.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish "${PROJECT}" -c Release -o /app /p:UseAppHost=false \
    && printf '#!/bin/sh\nexec dotnet /app/%s.dll "$@"\n' "$(basename "${PROJECT}" .csproj)" > /app/start \
    && chmod +x /app/start

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# Content root is the working directory: appsettings.json is read from /app; compose overrides it by environment.
WORKDIR /app
COPY --from=build /app ./
# Tier-1 code sooner after a start: by default the runtime starts counting calls only after 100 ms without new tier-0
# code, which a service under load at start-up keeps postponing (Analysis reached its full rate ~5 s later;
# docs/PERFORMANCE.md). A runtime knob read from the environment only.
ENV DOTNET_TC_CallCountingDelayMs=0
# The image's non-root user (APP_UID is set by the aspnet image).
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["/app/start"]
