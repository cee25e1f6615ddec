using System.Reflection;
using System.Runtime.InteropServices;

namespace ChurnStream.Kafka.Native;

/// <summary>
/// Makes Confluent.Kafka 1.9.3 find the system librdkafka.
/// </summary>
/// <remarks>
/// Confluent.Kafka 1.9.3 declares its P/Invokes against the bare names <c>librdkafka</c> (plus
/// <c>centos6-/centos7-/alpine-librdkafka</c> fallbacks) and <c>libdl</c> (for its own dlopen-based
/// <c>Library.Load(path)</c>). Neither bare name resolves against the Debian packages
/// (<c>librdkafka.so.1</c>, <c>libdl.so.2</c>), so a <see cref="DllImportResolver"/> on the Confluent
/// assembly maps them. Loading with <c>Library.Load(path)</c> alone would not help: the delegates are
/// still bound through the <c>librdkafka</c> DllImport name. Call <see cref="EnsureLoaded"/> before
/// the first Confluent.Kafka call (building a config is fine, building a client is not).
/// </remarks>
public static class LibrdkafkaNative
{
    /// <summary>Soname of the librdkafka shared library that is loaded.</summary>
    public const string LibrdkafkaSoName = "librdkafka.so.1";

    /// <summary>Soname that the <c>libdl</c> import name is mapped to.</summary>
    public const string LibdlSoName = "libdl.so.2";

    private static readonly Lock Gate = new();
    private static volatile bool _loaded;

    /// <summary>True once <see cref="EnsureLoaded"/> has succeeded.</summary>
    public static bool IsLoaded => _loaded;

    /// <summary>
    /// Installs the native-library resolver on the Confluent.Kafka assembly and initialises
    /// Confluent's librdkafka bindings. Idempotent and thread-safe; throws
    /// <see cref="DllNotFoundException"/> with a clear message when librdkafka cannot be loaded.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }

        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }

            var confluent = typeof(Confluent.Kafka.Library).Assembly;
            try
            {
                NativeLibrary.SetDllImportResolver(confluent, Resolve);
            }
            catch (InvalidOperationException)
            {
                // A resolver is already installed on the Confluent assembly (by some other host code).
                // Keep it; the Load() below tells whether it works.
            }

            try
            {
                Confluent.Kafka.Library.Load();
                _ = Confluent.Kafka.Library.VersionString;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or TypeInitializationException)
            {
                throw new DllNotFoundException(
                    $"Confluent.Kafka could not load the native librdkafka ('{LibrdkafkaSoName}'); install librdkafka1 (apt-get install librdkafka1).",
                    ex);
            }

            _loaded = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        var mapped = Map(libraryName);
        if (mapped is null)
        {
            return IntPtr.Zero; // default probing
        }

        return NativeLibrary.TryLoad(mapped, out var handle) ? handle : IntPtr.Zero;
    }

    private static string? Map(string libraryName) => libraryName switch
    {
        "librdkafka" or "librdkafka.so" => LibrdkafkaSoName,
        "libdl" or "libdl.so" => LibdlSoName,
        _ => null,
    };
}
