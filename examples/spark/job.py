"""A PySpark job that turns a raw event log into the daily aggregates a handbook reads.

    python examples/spark/job.py EVENTS.csv DATA_DIR

EVENTS.csv has one row per event: ``ts`` (a timestamp), ``channel``, ``event``
(``view``, ``cart`` or ``order``) and ``amount`` (the order's value; empty
otherwise). The job writes ``DATA_DIR/daily_channel/month=YYYY-MM/part-*.parquet``:
per day and channel, the sessions (views), add-to-carts, orders and revenue.
That folder is a partitioned resource of the handbook's data package
(``handbook/data/datapackage.json``): the handbook validates it and computes
its KPIs from it, and never sees the raw events.

Spark runs in local mode here; on a cluster, submit the same file with
``spark-submit`` and point DATA_DIR at the storage the handbook's CI reads.
"""

from __future__ import annotations

import sys


def aggregate(spark, events_csv: str):
    from pyspark.sql import functions as F

    events = spark.read.csv(events_csv, header=True, schema="ts TIMESTAMP, channel STRING, event STRING, amount DOUBLE")
    count = lambda kind: F.sum(F.when(F.col("event") == kind, 1).otherwise(0)).cast("long")  # noqa: E731
    return (
        events.withColumn("date", F.to_date("ts"))
        .groupBy("date", "channel")
        .agg(
            count("view").alias("sessions"),
            count("cart").alias("add_to_cart"),
            count("order").alias("orders"),
            F.coalesce(F.sum(F.when(F.col("event") == "order", F.col("amount"))), F.lit(0.0)).alias("revenue"),
        )
        .withColumn("month", F.date_format("date", "yyyy-MM"))
    )


def main(events_csv: str, data_dir: str) -> None:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("handbook-daily-channel")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    try:
        daily = aggregate(spark, events_csv)
        daily.repartition("month").write.mode("overwrite").partitionBy("month").parquet(f"{data_dir}/daily_channel")
    finally:
        spark.stop()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
