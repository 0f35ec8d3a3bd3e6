# The Resync server in a container.
#   docker build -t resync .
#   docker run --rm -v resync-data:/data resync keys create --operator --name admin
#   docker run -d -p 8080:8080 -v resync-data:/data resync
# State (runs, keys) lives in the /data volume; put link files in /data/links.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# The whole tree (less what .dockerignore leaves out): no list of projects here to fall out of date.
COPY . .
# For the image's platform only: its native libraries alone (43 MB instead of 86), and ReadyToRun code for our assemblies and
# the packages' so that a command spends less of its start in the JIT (docs/benchmarks.md).
RUN dotnet publish src/Resync.Cli/Resync.Cli.csproj -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /app
# The image's non-root user (app) owns the data folder.
RUN mkdir -p /data/links && chown -R app:app /data
USER app
WORKDIR /data
ENV RESYNC_DB=/data/state.db \
    ASPNETCORE_URLS=http://+:8080
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/resync.dll"]
CMD ["serve", "--links", "/data/links"]
