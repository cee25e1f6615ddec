using System.Text;
using Confluent.Kafka;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Time;
using ChurnStream.Kafka.Options;
using ChurnStream.Observability;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// Decision to bytes to Kafka: alerts, segment changes, dead letters and repartitioned events, all through one
/// idempotent producer. Delivery failures are remembered so that positions are never committed past them.
/// </summary>
public sealed class OutputProducer : IDisposable
{
    public IProducer<byte[], byte[]> Producer => _producer;

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly TopicOptions _topics;
    private readonly ChurnStreamMetrics _metrics;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;

    public OutputProducer(IProducer<byte[], byte[]> producer, TopicOptions topics, ChurnStreamMetrics metrics)
    {
        _producer = producer;
        _topics = topics;
        _metrics = metrics;
        _onDelivery = OnDelivery;
    }

    public void Alert(ChurnAlert alert, Timestamp sourceAppendTime)
    {
        Produce(_topics.Alerts, Encoding.UTF8.GetBytes(alert.CustomerId), OutputJson.Serialize(alert), null);
        _metrics.AlertEmitted(Domain.Rules.AlertNames.Name(alert.Kind), Domain.Rules.AlertNames.Name(alert.Severity));
        RecordLatency(sourceAppendTime);
    }

    public void SegmentChange(SegmentChange change, Timestamp sourceAppendTime)
    {
        Produce(_topics.Segments, Encoding.UTF8.GetBytes(change.CustomerId), OutputJson.Serialize(change), null);
        for (var i = 0; i < change.Changes.Count; i++) // by index: foreach over the interface boxes an enumerator
        {
            var t = change.Changes[i];
            _metrics.SegmentChanged(Domain.Segments.SegmentNames.Name(t.Dimension), t.To);
        }
        RecordLatency(sourceAppendTime);
    }

    /// <summary>The original bytes and headers, plus headers naming the reason and the source position.</summary>
    public void DeadLetter(ConsumeResult<byte[], byte[]> source, Rejection rejection)
    {
        var headers = new Headers();
        if (source.Message.Headers is { } original)
            foreach (var h in original) headers.Add(h.Key, h.GetValueBytes());
        headers.Add(HeaderNames.ErrorReason, Encoding.UTF8.GetBytes(rejection.Reason.Name()));
        headers.Add(HeaderNames.ErrorDetail, Encoding.UTF8.GetBytes(rejection.Detail));
        headers.Add(HeaderNames.SourceTopic, Encoding.UTF8.GetBytes(source.Topic));
        headers.Add(HeaderNames.SourcePartition, Encoding.UTF8.GetBytes(source.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        headers.Add(HeaderNames.SourceOffset, Encoding.UTF8.GetBytes(source.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Produce(_topics.DeadLetter, source.Message.Key, source.Message.Value ?? [], headers);
        _metrics.EventRejected(rejection.Reason.Name());
        _metrics.DlqRecord(rejection.Reason.Name());
    }

    /// <summary>Sends an event to the partition that owns its customer, keyed by the customer, with its contract named.</summary>
    public void Repartition(ConsumeResult<byte[], byte[]> source, string customerId, int owner, InputTopic contract, long sourceCommitted)
    {
        var headers = new Headers
        {
            { HeaderNames.Contract, Encoding.UTF8.GetBytes(contract == InputTopic.Purchases ? "purchases" : "engagements") },
            { HeaderNames.SourceTopic, Encoding.UTF8.GetBytes(source.Topic) },
            { HeaderNames.SourcePartition, Encoding.UTF8.GetBytes(source.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { HeaderNames.SourceOffset, Encoding.UTF8.GetBytes(source.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { HeaderNames.SourceCommitted, Encoding.UTF8.GetBytes(sourceCommitted.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        Send(new TopicPartition(_topics.Repartition, new Partition(owner)),
            new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(customerId), Value = source.Message.Value, Headers = headers, Timestamp = source.Message.Timestamp });
    }

    /// <summary>
    /// Tells partition <paramref name="toPartition"/> of the repartition topic that <paramref name="fromPartition"/>
    /// forwards no more events before the watermark, and whether it is idle.
    /// </summary>
    public void WatermarkMarker(int toPartition, int fromPartition, SourceWatermark marker, long epoch)
    {
        var value = marker.Watermark == long.MinValue ? "idle" : marker.Watermark.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var status = marker.Idle ? "idle" : "active";
        var headers = new Headers
        {
            { HeaderNames.WatermarkSource, Encoding.UTF8.GetBytes(fromPartition.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { HeaderNames.Watermark, Encoding.UTF8.GetBytes(value) },
            { HeaderNames.WatermarkStatus, Encoding.UTF8.GetBytes(status) },
            { HeaderNames.WatermarkEpoch, Encoding.UTF8.GetBytes(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        var json = $"{{\"watermarkFrom\":{fromPartition},\"watermark\":\"{value}\",\"status\":\"{status}\"}}";
        Send(new TopicPartition(_topics.Repartition, new Partition(toPartition)),
            new Message<byte[], byte[]> { Key = null!, Value = Encoding.UTF8.GetBytes(json), Headers = headers });
    }

    /// <summary>A checkpoint record on the task's changelog partition; it opens the batch of <paramref name="size"/> profiles that follow.</summary>
    public void ChangelogCheckpoint(int partition, byte[] key, byte[] value, ChangelogBatchHeaders batch, int size, State.ChangelogBatch? previous)
    {
        var headers = new Headers { { State.ChangelogBatch.BatchHeader, batch.Bytes }, { State.ChangelogBatch.SizeHeader, State.ChangelogBatch.SizeBytes(size) } };
        if (previous is { } p) headers.Add(State.ChangelogBatch.PreviousHeader, p.ToBytes());
        Send(new TopicPartition(_topics.Changelog, new Partition(partition)), new Message<byte[], byte[]> { Key = key, Value = value, Headers = headers });
    }

    /// <summary>A profile record on the task's changelog partition, keyed by customer.</summary>
    public void ChangelogProfile(int partition, string customerId, byte[] value, ChangelogBatchHeaders batch)
    {
        var headers = new Headers { { State.ChangelogBatch.BatchHeader, batch.Bytes } };
        Send(new TopicPartition(_topics.Changelog, new Partition(partition)),
            new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(customerId), Value = value, Headers = headers });
    }

    /// <summary>Waits until everything produced so far is acknowledged; false when some still is not after <paramref name="timeout"/>.</summary>
    public bool Flush(TimeSpan timeout) => _producer.Flush(timeout) == 0;

    private void Produce(string topic, byte[]? key, byte[] value, Headers? headers) =>
        Send(new TopicPartition(topic, Partition.Any), new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers });

    /// <summary>Produces; a full local queue (a large transaction while catching up) is waited out, never dropped.</summary>
    private void Send(TopicPartition destination, Message<byte[], byte[]> message)
    {
        while (true)
        {
            try
            {
                _producer.Produce(destination, message, _onDelivery);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                Thread.Sleep(5); // the client's own thread sends and frees the queue meanwhile
            }
        }
    }

    private void RecordLatency(Timestamp appendTime)
    {
        if (appendTime.Type == TimestampType.NotAvailable) return;
        var seconds = (DateTime.UtcNow - appendTime.UtcDateTime).TotalSeconds;
        if (seconds >= 0) _metrics.ProcessingLatency(seconds);
    }

    private void OnDelivery(DeliveryReport<byte[], byte[]> report)
    {
        // A failed delivery fails the transaction's commit, which aborts and rewinds: here it is only counted.
        if (report.Error.IsError) _metrics.ProduceError();
    }

    public void Dispose() => _producer.Dispose();
}

/// <summary>The encoded batch header, shared by every record of one batch.</summary>
public readonly record struct ChangelogBatchHeaders(byte[] Bytes);
