// howold train --data SHARDS --model NAME --out RUNDIR [options] | howold train --resume RUNDIR [--epochs N]
import { DEFAULT_MODEL_DIR } from '../../index.js';
import type { Command } from 'commander';
import { parseChoiceOption, parseIntegerOption, parseIntegerOrWordOption, parseNumberOption, parsePositiveOption } from '../options.js';
import { ArgumentError } from '../../index.js';
import { AGE_LOSSES, type AgeLossKind } from '../../train/index.js';
import { OPTIMIZERS, type OptimizerKind } from '../../train/index.js';
import { initTrainingBackend, resumeRun, startRun, type RunResult, type StartOptions } from '../../train/index.js';
import { SCHEDULE_KINDS, type ScheduleKind } from '../../train/index.js';
import { AUGMENTATIONS, type AugmentationName } from '../../train/index.js';
import { ProgressBar } from '../train-progress.js';

interface TrainCliOptions {
  data?: string;
  model?: string;
  from?: string | true;
  out?: string;
  resume?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerKind;
  momentum?: number;
  nesterov?: boolean;
  loss?: AgeLossKind;
  schedule?: ScheduleKind;
  warmup?: number;
  targets?: 'onehot' | 'smooth' | 'gaussian';
  augment?: boolean;
  seed?: number;
  checkpointEvery?: number;
  patience?: number;
  limit?: number;
  valLimit?: number;
  unfreeze?: string[];
  genderWeight?: number;
  balance?: number;
  distill?: number;
  augmentation?: AugmentationName;
  workers?: number | 'auto';
}

const TARGETS = ['onehot', 'smooth', 'gaussian'] as const;

/** The shipped model, fine-tuned by a bare --from (the same folder `howold export` defaults to). */

const integer = (name: string, min: number) => (text: string) => parseIntegerOption(text, name, min);
const number = (name: string, min: number, max = Infinity) => (text: string) => parseNumberOption(text, name, min, max);
const positive = (name: string) => (text: string) => parsePositiveOption(text, name);
const workersOption = (text: string) => parseIntegerOrWordOption(text, '--workers', 'auto', 1);
const oneOf = <T extends string>(name: string, allowed: readonly T[]) => (text: string) => parseChoiceOption(text, name, allowed);

function summary(result: RunResult): string {
  const h = result.history.history;
  const last = (key: string) => h[key]?.[h[key]!.length - 1];
  const parts = [`Trained ${result.history.epoch.length} epoch(s)${result.resumedFrom ? ` (resumed at step ${result.resumedFrom.step})` : ''}`];
  const mae = last('val_mae');
  if (mae !== undefined) parts.push(`last val MAE ${mae.toFixed(2)}, CS@5 ${((last('val_cs5') ?? NaN) * 100).toFixed(1)}%`);
  parts.push(`model: ${result.finalDir}`);
  return parts.join('; ');
}

/** Rejects flag combinations commander cannot express. */
function validate(o: TrainCliOptions): void {
  if (o.resume !== undefined) {
    const extra = (Object.keys(o) as (keyof TrainCliOptions)[]).filter((k) => k !== 'resume' && k !== 'epochs' && k !== 'workers' && o[k] !== undefined);
    if (extra.length > 0) throw new ArgumentError(`--resume continues a run with its own settings; only --epochs and --workers may change (got --${extra[0]})`);
    return;
  }
  if (!o.data || !o.out) throw new ArgumentError('Expected --data SHARDS and --out RUNDIR (or --resume RUNDIR)');
  if (!o.model && !o.from) throw new ArgumentError('Expected --model NAME or --from MODEL_DIR');
  if (o.model && o.from) throw new ArgumentError('Expected one of --model and --from, not both');
}

export async function runTrain(o: TrainCliOptions): Promise<RunResult> {
  validate(o);
  const backend = await initTrainingBackend();
  process.stderr.write(`backend: ${backend}\n`);
  const hooks = { progress: new ProgressBar(), log: (line: string) => process.stderr.write(`${line}\n`) };
  if (o.resume !== undefined) return resumeRun(o.resume, { epochs: o.epochs, workers: o.workers }, hooks);
  const options: StartOptions = {
    data: o.data!,
    out: o.out!,
    model: o.model,
    from: o.from === true ? DEFAULT_MODEL_DIR : o.from,
    epochs: o.epochs,
    batchSize: o.batch,
    lr: o.lr,
    optimizer: o.optimizer,
    momentum: o.momentum,
    nesterov: o.nesterov,
    loss: o.loss,
    schedule: o.schedule,
    warmupEpochs: o.warmup,
    targets: o.targets,
    augment: o.augment,
    seed: o.seed,
    checkpointEvery: o.checkpointEvery,
    patience: o.patience,
    limit: o.limit,
    valLimit: o.valLimit,
    unfreeze: o.unfreeze,
    genderLossWeight: o.genderWeight,
    balance: o.balance,
    distill: o.distill,
    augmentation: o.augmentation,
    workers: o.workers ?? 'auto',
  };
  return startRun(options, hooks);
}

export function register(program: Command): void {
  program
    .command('train')
    .description('Train an age model on prepared shards, with checkpoints, a JSONL log and early stopping; resumable')
    .option('--data <dir>', 'prepared shard folder (howold data prepare)')
    .option('--model <name>', 'registry model to train from scratch (see the model list)')
    .option('--from [dir]', 'fine-tune a saved model folder instead (without a folder: the shipped model)')
    .option('--out <dir>', 'run folder to create (must be empty or absent)')
    .option('--resume <dir>', 'continue the run in this folder from its last checkpoint')
    .option('--epochs <n>', 'epochs (default: the model entry\'s, else 30)', integer('--epochs', 1))
    .option('--batch <n>', 'batch size (default: the model entry\'s, else 32)', integer('--batch', 1))
    .option('--lr <x>', 'peak learning rate', positive('--lr'))
    .option('--optimizer <name>', 'sgd | adam', oneOf('--optimizer', OPTIMIZERS))
    .option('--momentum <x>', 'SGD momentum', number('--momentum', 0, 1))
    .option('--nesterov', 'Nesterov momentum (SGD)')
    .option('--no-nesterov', 'plain momentum (SGD)')
    .option('--loss <name>', 'dex (cross-entropy) | mean-variance', oneOf('--loss', AGE_LOSSES))
    .option('--schedule <name>', 'constant | cosine | step', oneOf('--schedule', SCHEDULE_KINDS))
    .option('--warmup <epochs>', 'linear warmup of the cosine schedule, epochs', number('--warmup', 0))
    .option('--targets <kind>', 'age targets: onehot | smooth | gaussian', oneOf('--targets', TARGETS))
    .option('--augment', 'augment training faces (flip, shift, scale, rotation, colour, grayscale, blur)')
    .option('--no-augment', 'train on the faces as they are')
    .option('--seed <n>', 'seed of data order and augmentation', integer('--seed', 0))
    .option('--checkpoint-every <n>', 'checkpoint every N steps (0: at epoch ends only)', integer('--checkpoint-every', 0))
    .option('--patience <n>', 'early stopping after N epochs without a better val MAE (0: off)', integer('--patience', 0))
    .option('--limit <n>', 'at most N training faces per epoch', integer('--limit', 1))
    .option('--augmentation <preset>', "with --augment: 'default' or 'wild' (more blur, noise, low light, colour casts: photos unlike UTKFace)", oneOf('--augmentation', Object.keys(AUGMENTATIONS) as AugmentationName[]))
    .option('--balance <x>', 'weigh ages by (their share)^-x in the age loss, 0..1 (0: off; 1: every age the same)', number('--balance', 0, 1))
    .option('--distill <x>', "share of face-api's original AgeGenderNet (the teacher, on the same augmented face) in the age targets, 0..1", number('--distill', 0, 1))
    .option('--gender-weight <x>', "weight of the gender head's loss (0: train the age head alone)", number('--gender-weight', 0))
    .option('--unfreeze <prefixes>', "comma-separated layer-name prefixes to make trainable ('all': every layer), e.g. to fine-tune a frozen backbone", (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--workers <n>', "threads sharing each batch (data-parallel: each computes the gradients of 1/N of it, averaged): a count or 'auto' (default for a new run: one per core, each with >= 16 faces of the batch); with --resume, the run's own count unless given", workersOption)
    .option('--val-limit <n>', 'at most N validation faces', integer('--val-limit', 0))
    .action(async (options: TrainCliOptions) => {
      const result = await runTrain(options);
      process.stdout.write(`${summary(result)}\n`);
    });
}
