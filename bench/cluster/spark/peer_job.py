"""The Spark Structured Streaming peer of the real-stack bench (issue 8).

The job the pipeline replaces, in the seed's shape: Kafka source, the log's S1 records split into fields,
a one-minute watermark on occurredAt, per (storeId, UTC minute, currency) totals, output mode
update, foreachBatch into a Cassandra table through the DataStax connector. local[2].

It prints one JSON line per finished micro-batch on stdout ({"progress": ...}) and stops cleanly
when its standard input closes (the bench closes it). `--resolve-only` starts and stops a session
so that Ivy resolves the connector jars into the cache (setup.sh).
"""

import argparse
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ",".join(
    [
        "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.7",
        "com.datastax.spark:spark-cassandra-connector_2.12:3.5.1",
    ]
)
# pyspark ships its own Hadoop client and slf4j: the resolved copies would clash with them.
EXCLUDES = "org.apache.hadoop:hadoop-client-api,org.apache.hadoop:hadoop-client-runtime,org.slf4j:slf4j-api"


def session(args):
    from pyspark.sql import SparkSession

    cache = os.environ.get("INTRADAY_SPARK_DIR", os.path.expanduser("~/.cache/intraday-spark"))
    host, _, port = args.cassandra.partition(":")
    return (
        SparkSession.builder.master("local[2]")
        .appName("intraday-spark-peer")
        .config("spark.jars.packages", PACKAGES)
        .config("spark.jars.excludes", EXCLUDES)
        .config("spark.jars.ivySettings", os.path.join(HERE, "ivysettings.xml"))
        .config("spark.jars.ivy", os.path.join(cache, "ivy"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.streaming.metricsEnabled", "false")
        .config("spark.cassandra.connection.host", host)
        .config("spark.cassandra.connection.port", port or "9042")
        .config("spark.cassandra.connection.localDC", args.cassandra_dc)
        .getOrCreate()
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--resolve-only", action="store_true")
    p.add_argument("--brokers", default="127.0.0.1:9092")
    p.add_argument("--topic")
    p.add_argument("--cassandra", default="127.0.0.1:9042")
    p.add_argument("--cassandra-dc", default="datacenter1")
    p.add_argument("--keyspace")
    p.add_argument("--table", default="spark_minutes")
    p.add_argument("--checkpoint")
    p.add_argument("--shuffle-partitions", type=int, default=6)
    p.add_argument("--max-offsets-per-trigger", type=int, default=0)
    p.add_argument("--driver-memory", default="2g")
    args = p.parse_args()

    spark = session(args)
    spark.sparkContext.setLogLevel("WARN")
    if args.resolve_only:
        spark.stop()
        return

    from pyspark.sql import functions as F

    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.brokers)
        .option("subscribe", args.topic)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "false")
    )
    if args.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", args.max_offsets_per_trigger)
    # The log's S1 records (src/domain/log-record.ts): tab-separated, lines last as sku, quantity, unit price.
    lines = "sequence(0, (size(f) - 6) div 3 - 1)"
    events = (
        reader.load()
        .select(F.split(F.col("value").cast("string"), "\t").alias("f"))
        .where((F.col("f")[0] == "S1") & (F.size("f") >= 9) & ((F.size("f") - 6) % 3 == 0))
        .select(
            F.col("f")[1].alias("eventId"),
            F.col("f")[2].alias("storeId"),
            F.col("f")[3].cast("timestamp").alias("ts"),
            F.col("f")[4].alias("type"),
            F.col("f")[5].alias("currency"),
            F.expr(f"aggregate({lines}, 0L, (acc, i) -> acc + cast(f[7 + 3 * i] as long) * cast(f[8 + 3 * i] as long))").alias("amount"),
            F.expr(f"aggregate({lines}, 0L, (acc, i) -> acc + cast(f[7 + 3 * i] as long))").alias("items"),
        )
    )
    is_sale = F.col("type") == "sale"
    is_refund = F.col("type") == "refund"
    totals = (
        events.withWatermark("ts", "1 minute")
        .groupBy(F.col("storeId"), F.window("ts", "1 minute"), F.col("currency"))
        .agg(
            F.sum(F.when(is_sale, 1).otherwise(0)).cast("long").alias("sale_count"),
            F.sum(F.when(is_refund, 1).otherwise(0)).cast("long").alias("refund_count"),
            F.sum(F.when(is_sale, F.col("amount")).otherwise(0)).cast("long").alias("gross_minor"),
            F.sum(F.when(is_refund, F.col("amount")).otherwise(0)).cast("long").alias("refund_minor"),
            F.sum(F.when(is_sale, F.col("items")).otherwise(0)).cast("long").alias("item_count"),
        )
        .select(
            F.col("storeId").alias("store_id"),
            F.col("window.start").alias("minute"),
            "currency",
            "sale_count",
            "refund_count",
            "gross_minor",
            "refund_minor",
            "item_count",
        )
    )

    def write(batch, _batch_id):
        batch.write.format("org.apache.spark.sql.cassandra").options(keyspace=args.keyspace, table=args.table).mode("append").save()

    query = totals.writeStream.outputMode("update").option("checkpointLocation", args.checkpoint).foreachBatch(write).start()

    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"started": time.time()}), flush=True)
    seen = -1
    while not stop.is_set() and query.isActive:
        for prog in query.recentProgress:
            if prog["batchId"] > seen:
                seen = prog["batchId"]
                print(
                    json.dumps(
                        {
                            "progress": {
                                "batchId": prog["batchId"],
                                "timestamp": prog["timestamp"],
                                "numInputRows": prog["numInputRows"],
                                "durationMs": prog.get("durationMs", {}),
                                "watermark": prog.get("eventTime", {}).get("watermark"),
                                "stateRows": sum(s.get("numRowsTotal", 0) for s in prog.get("stateOperators", [])),
                                "endedAt": time.time(),
                            }
                        }
                    ),
                    flush=True,
                )
        stop.wait(0.05)
    if query.exception():
        print(json.dumps({"error": str(query.exception())}), flush=True)
    query.stop()
    spark.stop()


if __name__ == "__main__":
    main()
