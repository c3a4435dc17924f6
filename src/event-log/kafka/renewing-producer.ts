import type { Producer, ProducerRecord, RecordMetadata } from "kafkajs";

/**
 * Broker answers that mean this producer id's sequence numbers no longer line up with the broker's
 * (after an outage, a broker restart or a send that failed half-way): the batch was refused, not
 * written, and the producer would be refused the same way for good (kafkajs never resets its
 * sequences; tulios/kafkajs#598).
 */
const SEQUENCE_LOST = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"]);

/** kafkajs wraps the broker's error in its retrier's errors: look through the causes. */
export function sequenceLost(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && SEQUENCE_LOST.has(type)) return true;
  }
  return false;
}

/**
 * An idempotent producer that is replaced by a new one (a new producer id, sequences from zero)
 * after a send fails: its sequence state is then unknown, and kafkajs keeps a producer whose
 * sequences the broker refuses refusing for good. A send the broker refused for its sequence was not
 * written, so it is sent once more at once with the new producer; any other failure is the caller's
 * to retry (the records may or may not be in the log, which every consumer of ours tolerates).
 * One send at a time: its users group their sends (GroupCommit), and two sends renewing at once
 * would each make a producer.
 */
export class RenewingProducer {
  private producer: Producer;
  private stale = false;

  constructor(private readonly create: () => Producer) {
    this.producer = create();
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    try {
      return await this.attempt(record);
    } catch (err) {
      if (!sequenceLost(err)) throw err;
      return this.attempt(record);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  private async attempt(record: ProducerRecord): Promise<RecordMetadata[]> {
    try {
      return await (await this.ready()).send(record);
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  private async ready(): Promise<Producer> {
    if (this.stale) {
      void this.producer.disconnect().catch(() => undefined);
      this.producer = this.create();
      await this.producer.connect();
      this.stale = false;
    }
    return this.producer;
  }
}
