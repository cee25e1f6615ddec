using System.Text;
using Confluent.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Tools;

/// <summary>Produces input events keyed by customer with the Java partitioner, the way a well-behaved upstream does.</summary>
public sealed class EventPublisher : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private string? _failure;

    public EventPublisher(KafkaOptions options)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Producer(options);
        config.LingerMs = 20;
        config.BatchNumMessages = 10_000;
        _producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        _onDelivery = r => { if (r.Error.IsError) _failure ??= $"{r.Topic}: {r.Error.Reason}"; };
    }

    public long Published { get; private set; }

    /// <param name="customerId">The key; null publishes the event without a key (it still reaches its customer's state).</param>
    public void Publish(string topic, string? customerId, byte[] json)
    {
        var message = new Message<byte[], byte[]> { Key = customerId is null ? null! : Encoding.UTF8.GetBytes(customerId), Value = json };
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, _onDelivery);
                break;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
        Published++;
        if (_failure is { } f) throw new InvalidOperationException("Publishing failed: " + f);
    }

    /// <summary>Waits until everything published is acknowledged.</summary>
    public void Flush(TimeSpan timeout)
    {
        if (_producer.Flush(timeout) > 0) throw new TimeoutException($"events still unacknowledged after {timeout.TotalSeconds} s");
        if (_failure is { } f) throw new InvalidOperationException("Publishing failed: " + f);
    }

    public void Dispose() => _producer.Dispose();
}
