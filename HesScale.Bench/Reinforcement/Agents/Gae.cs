namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>Generalised advantage estimation over a rollout stored T x E (row t holds the E copies).</summary>
public static class Gae
{
    /// <summary>
    /// delta_t = r_t + gamma V_{t+1} (1 - done_t) - V_t; A_t = delta_t + gamma lambda (1 - done_t) A_{t+1};
    /// returns = A + V. V_T is <paramref name="lastValues"/>. lambda = 1 gives n-step returns (A2C).
    /// </summary>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<bool> dones, ReadOnlySpan<float> lastValues,
        int steps, int envs, double gamma, double lambda, Span<float> advantages, Span<float> returns)
    {
        int n = steps * envs;
        if (rewards.Length != n || values.Length != n || dones.Length != n || advantages.Length != n || returns.Length != n || lastValues.Length != envs)
            throw new ArgumentException($"GAE expects rewards, values, dones, advantages and returns of {steps} x {envs} and {envs} last values.", nameof(rewards));
        for (int i = 0; i < envs; i++)
        {
            double gae = 0;
            for (int t = steps - 1; t >= 0; t--)
            {
                int k = t * envs + i;
                double next = t == steps - 1 ? lastValues[i] : values[k + envs];
                double live = dones[k] ? 0 : 1;
                double delta = rewards[k] + gamma * next * live - values[k];
                gae = delta + gamma * lambda * live * gae;
                advantages[k] = (float)gae;
                returns[k] = (float)(gae + values[k]);
            }
        }
    }
}
