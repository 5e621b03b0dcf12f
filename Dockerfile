# tpsdemo's container: the compiled binary on a small base.
#   docker build -t tpsdemo . && docker run --rm tpsdemo run --duration 5s
# Stage 1 compiles with Deno (deno compile needs the internet for its runtime, denort).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock main.ts ./
COPY lib/ lib/
COPY server/ server/
COPY workers/ workers/
RUN deno task compile

# Stage 2: the binary alone, on distroless with glibc (it needs libc, libgcc and libstdc++).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/tpsdemo /usr/local/bin/tpsdemo
USER nonroot
ENTRYPOINT ["/usr/local/bin/tpsdemo"]
CMD ["--help"]
