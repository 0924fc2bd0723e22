using System.Diagnostics;
using OpenTelemetry;

namespace ServiceDefaults.Privacy;

/// <summary>Masks sensitive numbers in span tags and status descriptions before any exporter sees the span.</summary>
public sealed class MaskingActivityProcessor : BaseProcessor<Activity>
{
    public override void OnEnd(Activity activity)
    {
        List<(string Key, string Value)>? masked = null;
        foreach (var (key, value) in activity.TagObjects)
        {
            if (value is string text && SensitiveData.MaskText(text) is var safe && safe != text)
            {
                (masked ??= []).Add((key, safe));
            }
        }
        foreach (var (key, value) in masked ?? [])
        {
            activity.SetTag(key, value);
        }
        if (activity.StatusDescription is { } description && SensitiveData.MaskText(description) is var safeDescription && safeDescription != description)
        {
            activity.SetStatus(activity.Status, safeDescription);
        }
    }
}
