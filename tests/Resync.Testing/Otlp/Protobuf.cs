namespace Resync.Testing.Otlp;

/// <summary>Just enough of the protobuf wire format to walk a message's fields (varints, fixed 32/64-bit and length-delimited).</summary>
public static class Protobuf
{
    public sealed record Field(int Number, ulong? Varint, ulong? Fixed, byte[]? Bytes);

    /// <summary>The embedded messages in field <paramref name="number"/> of <paramref name="message"/>.</summary>
    public static IEnumerable<byte[]> Messages(byte[] message, int number) =>
        Fields(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    public static IReadOnlyList<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add(new Field(number, Varint(message, ref position), null, null));
                    break;
                case 1:
                    fields.Add(new Field(number, null, BitConverter.ToUInt64(message, position), null));
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    fields.Add(new Field(number, null, null, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    fields.Add(new Field(number, null, BitConverter.ToUInt32(message, position), null));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"Wire type {tag & 7} at byte {position} is not one OTLP uses.");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
    }
}
