using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class TransactionReaderTests
{
    [Fact]
    public void Cdnow_sample_lines_use_the_sample_id_and_the_dollar_amount()
    {
        var tx = TransactionReaders.ReadCdnow(new StringReader(" 00004 0001 19970101  2   29.33\r\n\r\n 00021 0002 19970102  3   63.34\r\n"));

        Assert.Equal(new[] { new Transaction("0001", new DateOnly(1997, 1, 1), 29.33m), new Transaction("0002", new DateOnly(1997, 1, 2), 63.34m) }, tx);
    }

    [Fact]
    public void Cdnow_master_lines_may_start_with_a_header()
    {
        var tx = TransactionReaders.ReadCdnow(new StringReader(" customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n"));

        Assert.Equal(new Transaction("00001", new DateOnly(1997, 1, 1), 11.77m), Assert.Single(tx));
    }

    [Fact]
    public void Cdnow_reader_rejects_a_bad_date_with_its_line_number()
    {
        var e = Assert.Throws<TransactionFormatException>(() =>
            TransactionReaders.ReadCdnow(new StringReader(" 00004 0001 19970101  2   29.33\n 00004 0001 1997-01-02  2   29.33\n"), "sample.txt"));

        Assert.Equal(2, e.LineNumber);
        Assert.StartsWith("sample.txt:2: bad date", e.Message);
    }

    [Fact]
    public void Jsonl_reader_takes_purchases_skips_engagements_and_duplicate_events()
    {
        const string input = """
            {"customerId":"c-1","occurredAt":"2025-03-01T23:30:00-05:00","amount":12.5,"eventId":"e1"}
            {"customerId":"c-1","occurredAt":"2025-03-01T10:00:00Z","type":"visit"}

            {"customerId":"c-1","occurredAt":"2025-03-02T04:30:00Z","amount":12.5,"eventId":"e1"}
            {"customerId":"c-2","occurredAt":"2025-03-02T10:15:00+01:00","amount":-3,"currency":"EUR"}
            """;

        var tx = TransactionReaders.ReadJsonl(new StringReader(input));

        Assert.Equal(new[]
        {
            new Transaction("c-1", new DateOnly(2025, 3, 2), 12.5m), // UTC day of 23:30-05:00
            new Transaction("c-2", new DateOnly(2025, 3, 2), -3m),
        }, tx);
    }

    [Theory]
    [InlineData("{\"customerId\":\"c\",\"occurredAt\":\"2025-03-01T10:00:00Z\"}", "missing field 'amount'")]
    [InlineData("{\"customerId\":\"c\",\"occurredAt\":\"2025-03-01T10:00:00Z\",\"amount\":\"12\"}", "'amount' must be a finite number")]
    [InlineData("{\"customerId\":\"\",\"occurredAt\":\"2025-03-01T10:00:00Z\",\"amount\":1}", "empty customerId")]
    [InlineData("{\"customerId\":\"c\",\"occurredAt\":\"yesterday\",\"amount\":1}", "bad timestamp 'yesterday'")]
    [InlineData("{\"customerId\":\"c\",", "invalid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    public void Jsonl_reader_rejects_bad_lines_with_their_line_number(string badLine, string reason)
    {
        var input = "{\"customerId\":\"c\",\"occurredAt\":\"2025-03-01T10:00:00Z\",\"amount\":1}\n\n" + badLine + "\n";

        var e = Assert.Throws<TransactionFormatException>(() => TransactionReaders.ReadJsonl(new StringReader(input), "p.jsonl"));

        Assert.Equal(3, e.LineNumber);
        Assert.StartsWith($"p.jsonl:3: {reason}", e.Message);
    }

    [Fact]
    public void Csv_reader_finds_its_columns_by_case_insensitive_header_names()
    {
        const string input = "Amount,channel,CUSTOMERID,occurredAt\n19.99,web,\"c,1\",2025-03-01T10:00:00Z\n5,app,c2,2025-03-04\n";

        var tx = TransactionReaders.ReadCsv(new StringReader(input));

        Assert.Equal(new[]
        {
            new Transaction("c,1", new DateOnly(2025, 3, 1), 19.99m),
            new Transaction("c2", new DateOnly(2025, 3, 4), 5m),
        }, tx);
    }

    [Fact]
    public void Csv_reader_rejects_a_missing_header_column_and_bad_amounts_with_line_numbers()
    {
        var header = Assert.Throws<TransactionFormatException>(() => TransactionReaders.ReadCsv(new StringReader("customerId,amount\nc,1\n"), "t.csv"));
        var amount = Assert.Throws<TransactionFormatException>(() =>
            TransactionReaders.ReadCsv(new StringReader("customerId,occurredAt,amount\nc,2025-03-01T10:00:00Z,1\nc,2025-03-01T10:00:00Z,ten\n"), "t.csv"));

        Assert.Equal(1, header.LineNumber);
        Assert.Equal("t.csv:3: bad amount 'ten'", amount.Message);
    }

    [Fact]
    public void Unknown_formats_are_rejected()
        => Assert.Throws<ArgumentException>(() => TransactionReaders.Read(new StringReader(""), "xml", "x"));
}
